"""`python -m lib fix`: dry run changes nothing, confirmation rules, the weekly routine as one cron line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lib.cli import main
from lib.core.store import open_store
from lib.maintenance import audit
from tests.conftest import REPO
from tests.maint_fixtures import TABLE, make_busy, q, unused_index_check, vacuum_count


def fix(*args: str, actions_on: bool = True) -> subprocess.CompletedProcess:
    """The CLI as cron runs it: no terminal on stdin."""
    env = {**os.environ, "PGPULSE_ACTIONS": "1" if actions_on else "0"}
    return subprocess.run([sys.executable, "-m", "lib", "fix", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=180, env=env, stdin=subprocess.DEVNULL)


@pytest.fixture()
def busy_url(fresh_url):
    return make_busy(fresh_url)


@pytest.fixture()
def dropper():
    with unused_index_check() as check_id:
        yield check_id


def test_dry_run_prints_the_sql_and_changes_nothing(busy_url, dropper, capsys):
    assert main(["fix", "--dsn", busy_url, "--check", dropper, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert 'DROP INDEX CONCURRENTLY "public"."unused idx";' in out and "dry run" in out
    weekly = fix("--dsn", busy_url, "--weekly", "--dry-run")
    assert weekly.returncode == 0, weekly.stderr
    assert 'VACUUM (ANALYZE) "public"."Busy ""T""; x";' in weekly.stdout
    assert q(busy_url, "SELECT count(*) FROM pg_indexes WHERE indexname = 'unused idx'") == [(1,)]
    assert vacuum_count(busy_url) == 0


def test_without_a_terminal_it_refuses_to_ask(busy_url):
    done = fix("--dsn", busy_url, "--weekly")
    assert done.returncode == 2 and "no terminal to confirm on" in done.stderr
    assert vacuum_count(busy_url) == 0


def test_weekly_routine_is_one_cron_line_and_audited(busy_url):
    done = fix("--dsn", busy_url, "--weekly", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "done" in done.stdout and "Dead tuples 1.0k → 0" in done.stdout
    assert "checks after the routine" in done.stdout
    assert vacuum_count(busy_url) == 1
    store = open_store()  # the same PGPULSE_HOME as the subprocess
    try:
        rows = [r for r in audit.entries(store, database="dsn") if r["object"] == f"public.{TABLE}"]
        assert rows[0]["outcome"] == "done" and rows[0]["client"] == "cli" and rows[0]["os_user"]
    finally:
        store.close()


def test_yes_drops_an_index_only_when_object_names_it(busy_url, dropper, capsys, monkeypatch):
    monkeypatch.setenv("PGPULSE_ACTIONS", "1")
    assert main(["fix", "--dsn", busy_url, "--check", dropper, "--yes"]) == 1
    assert "needs the index name typed" in capsys.readouterr().out
    assert q(busy_url, "SELECT count(*) FROM pg_indexes WHERE indexname = 'unused idx'") == [(1,)]
    assert main(["fix", "--dsn", busy_url, "--check", dropper, "--object", "public.unused idx", "--yes"]) == 0
    assert "Index dropped" in capsys.readouterr().out
    assert q(busy_url, "SELECT count(*) FROM pg_indexes WHERE indexname = 'unused idx'") == [(0,)]
    assert main(["fix", "--dsn", busy_url, "--check", dropper, "--yes"]) == 0  # nothing left to fix
    assert "Nothing to fix" in capsys.readouterr().out


def test_yes_runs_vacuum_full_only_when_object_names_the_table(fresh_url, capsys, monkeypatch, tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("[pgpulse.thresholds]\nbloat_min_mb = 0.5\n")
    monkeypatch.setenv("PGPULSE_SECRETS", str(secrets))
    monkeypatch.setenv("PGPULSE_ACTIONS", "1")
    q(fresh_url, "CREATE TABLE big (id bigint PRIMARY KEY, name text) WITH (autovacuum_enabled = false)")
    q(fresh_url, "INSERT INTO big SELECT g, 'customer number ' || g FROM generate_series(1, 60000) g")
    q(fresh_url, "DELETE FROM big WHERE id % 4 <> 0")
    q(fresh_url, "VACUUM ANALYZE big")
    size = "SELECT pg_relation_size('big')"
    before = q(fresh_url, size)[0][0]
    assert main(["fix", "--dsn", fresh_url, "--check", "tables.bloat", "--yes"]) == 1
    assert "VACUUM FULL blocks every read and write" in capsys.readouterr().out
    assert q(fresh_url, size)[0][0] == before
    assert main(["fix", "--dsn", fresh_url, "--check", "tables.bloat", "--object", "public.big", "--yes"]) == 0
    assert "Table size" in capsys.readouterr().out
    assert q(fresh_url, size)[0][0] < before / 2


def test_actions_off_means_refused_and_exit_1(busy_url):
    done = fix("--dsn", busy_url, "--weekly", "--yes", actions_on=False)
    assert done.returncode == 1 and "Actions are off" in done.stdout
    assert vacuum_count(busy_url) == 0
