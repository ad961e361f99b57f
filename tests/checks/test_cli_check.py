"""`python -m lib check` against the demo database: JSON shape, exit codes, the planted problems it covers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO


def check(*args: str, secrets: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if secrets is not None:
        env["PGPULSE_SECRETS"] = secrets
    return subprocess.run([sys.executable, "-m", "lib", "check", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=180, env=env)


def findings_of(done: subprocess.CompletedProcess) -> list[dict]:
    return json.loads(done.stdout)["findings"]


def test_json_shape(demo_url):
    done = check("--dsn", demo_url, "--json", "--fail-on", "critical")
    data = json.loads(done.stdout)
    assert data["database"]["name"].startswith("demo_") and data["database"]["version"]
    assert data["findings"], "the demo has findings"
    for finding in data["findings"]:
        assert {"check", "severity", "object", "title", "evidence", "recommendation", "action"} <= set(finding)
        assert finding["severity"] in ("ok", "info", "warning", "critical")
        assert isinstance(finding["evidence"], dict)
        assert finding["action"] is None or {"kind", "sql"} <= set(finding["action"])
    worst = {f["severity"] for f in data["findings"]}
    assert done.returncode == (1 if "critical" in worst else 0)


def test_planted_slow_statements_are_reported(demo_url):
    from lib.demo.content import PLANTED  # noqa: F401 - the answer key exists

    slow = [f for f in findings_of(check("--dsn", demo_url, "--json")) if f["check"] == "queries.slow"]
    assert slow, "the demo plants statements slower than 100 ms"
    assert all(f["evidence"]["mean_exec_ms"] > 100 for f in slow)
    assert all(f["object"].lstrip("-").isdigit() for f in slow)  # object = queryid


def test_fail_on_levels(demo_url, tmp_path):
    # The demo always has warnings (slow statements): --fail-on warning must fail.
    assert check("--dsn", demo_url, "--fail-on", "warning").returncode == 1
    # A 1 MB plan makes the database size critical, so the default --fail-on critical fails too.
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[connections.tiny]\nurl = "{demo_url}"\nplan_limit_mb = 1\n')
    done = check("--db", "tiny", "--json", secrets=str(secrets))
    size = next(f for f in findings_of(done) if f["check"] == "database.size")
    assert size["severity"] == "critical" and size["evidence"]["ratio"] > 1
    assert done.returncode == 1


def test_text_output_is_readable(demo_url):
    done = check("--dsn", demo_url)
    assert "WARN" in done.stdout and "queries.slow" in done.stdout
    assert done.stdout.strip().splitlines()[-1].endswith("info")
    # evidence under each finding, in words with units (not `mean_exec_ms: 123.45`)
    assert "mean time: " in done.stdout and "calls: " in done.stdout
    assert "mean_exec_ms" not in done.stdout and "_bytes" not in done.stdout


def test_demo_cli_prints_a_working_url(embedded_demo):
    import psycopg

    with psycopg.connect(embedded_demo) as conn:
        assert conn.execute("SELECT count(*) FROM leads").fetchone()[0] >= 100_000
    done = check("--db", "demo", "--json")
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["database"]["name"] == "pgpulse_demo"


def test_a_running_demo_is_used_without_saying_it_starts(embedded_demo):
    # the fixture started it; every later command finds it running and says nothing about starting it
    for args in (["demo"], ["check", "--db", "demo", "--only", "database."]):
        done = subprocess.run([sys.executable, "-m", "lib", *args], cwd=REPO, capture_output=True, text=True,
                              timeout=180)
        assert done.returncode in (0, 1), done.stderr
        assert "Starting the embedded PostgreSQL" not in done.stderr and "Demo database ready" not in done.stderr
