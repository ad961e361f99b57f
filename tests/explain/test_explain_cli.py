"""`python -m lib explain`: output, refusals and exit codes, on real servers."""

from __future__ import annotations

import json
import subprocess
import sys

import psycopg
import pytest

from lib.cli import main
from lib.core.pgserver import free_port
from tests.fixtures_path import REPO

NOWHERE = f"postgresql://nobody@127.0.0.1:{free_port()}/x"


@pytest.fixture()
def url(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE people (id int PRIMARY KEY, email text, age int)")
        conn.execute("INSERT INTO people SELECT i, 'p' || i || '@x.org', i % 90 FROM generate_series(1, 20000) i")
        conn.execute("ANALYZE people")
    return fresh_url


def count(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM people").fetchone()[0]


def test_json_output_has_the_plan_fields(url, capsys):
    assert main(["explain", "--dsn", url, "--analyze", "--json", "SELECT * FROM people WHERE email = 'p7@x.org'"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["execution_ms"] > 0 and out["planning_ms"] > 0
    node = out["nodes"][0]
    for key in ("node_type", "parent", "relation", "inclusive_ms", "exclusive_ms", "actual_rows", "plan_rows",
                "loops", "estimate_factor"):
        assert key in node
    assert node["relation"] == "people" and node["parent"] is None and node["actual_rows"] == 1
    assert {d["rule"] for d in out["diagnostics"]} >= {"seq-scan-filter"}
    assert all(set(d) == {"rule", "node", "severity", "message"} for d in out["diagnostics"])
    assert out["explain"]["read_only"] is True and out["explain"]["rolled_back"] is True
    assert out["explain"]["plan"][0]["Plan"]["Node Type"] == "Seq Scan"


def test_text_output_from_stdin_says_how_it_ran(url):
    done = subprocess.run([sys.executable, "-m", "lib", "explain", "--dsn", url, "-"], cwd=REPO, text=True,
                          input="SELECT count(*) FROM people WHERE age > 80", capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("EXPLAIN (BUFFERS, FORMAT JSON)\nRan READ ONLY on PostgreSQL")
    assert "Seq Scan on people" in done.stdout and "estimates only" in done.stdout


def test_fail_on_reaches_exit_1(url, capsys):
    sql = "SELECT * FROM people WHERE email = 'nobody'"
    assert main(["explain", "--dsn", url, "--analyze", "--fail-on", "warning", sql]) == 1
    assert main(["explain", "--dsn", url, "--analyze", "--fail-on", "critical", sql]) == 0


@pytest.mark.parametrize(("sql", "words"), [
    ("DROP TABLE people", "refused: DROP TABLE is a utility or DDL statement"),
    ("SELECT 1; SELECT 2", "refused: the text holds 2 statements"),
    ("SELEC 1", "refused: could not parse"),
    ("COPY people TO PROGRAM 'id'", "COPY ... PROGRAM runs a shell command"),
])  # fmt: skip
def test_refusals_exit_2_before_connecting(sql, words, capsys):
    assert main(["explain", "--dsn", NOWHERE, "--analyze", sql]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pgpulse: ") and words in err
    assert "unreachable" not in err  # refused first: the server was never asked


def test_writes_need_allow_writes_and_are_rolled_back(url, capsys):
    assert main(["explain", "--dsn", url, "--analyze", "DELETE FROM people"]) == 2
    assert "add --allow-writes" in capsys.readouterr().err
    assert main(["explain", "--dsn", url, "--analyze", "--allow-writes", "--json", "DELETE FROM people"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["explain"]["read_only"] is False and out["nodes"][1]["actual_rows"] == 20000
    assert count(url) == 20000


def test_side_effects_need_confirm(url, capsys):
    assert main(["explain", "--dsn", url, "--analyze", "SELECT pg_advisory_lock(7)"]) == 2
    err = capsys.readouterr().err
    assert "pg_advisory_lock() takes or releases a session-level advisory lock" in err and "--confirm" in err
    assert main(["explain", "--dsn", url, "--analyze", "--confirm", "SELECT pg_advisory_lock(7)"]) == 0
    assert "advisory locks held: 0 before, 1 after" in capsys.readouterr().out
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone()[0] == 0


def test_placeholders_need_values_and_the_message_names_their_types(url, capsys):
    sql = "SELECT * FROM people WHERE age = $1 AND email <> $2"
    assert main(["explain", "--dsn", url, "--analyze", sql]) == 2
    assert "needs values for $1 (integer), $2 (text)" in capsys.readouterr().err
    assert main(["explain", "--dsn", url, "--analyze", "--json", "--param", "42", "--param", "x", sql]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["explain"]["params"] == ["42", "x"] and out["nodes"][0]["actual_rows"] > 0


def test_timeout_exits_2_with_the_reason(url, capsys):
    assert main(["explain", "--dsn", url, "--analyze", "--timeout", "0.5", "SELECT pg_sleep(30)"]) == 2
    assert "Statement timeout" in capsys.readouterr().err


def test_unreachable_database_exits_2(capsys):
    assert main(["explain", "--dsn", NOWHERE, "SELECT 1"]) == 2
    assert "Database unreachable" in capsys.readouterr().err
