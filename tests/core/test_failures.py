"""Failure is a sentence: unreachable, wrong password, unknown database, typo, a server that restarts."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest

from lib.core.errors import DatabaseUnavailable
from lib.core.pgserver import free_port
from tests import servers
from tests.conftest import REPO, make_db


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lib", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env=env)


def assert_one_clear_line(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pgpulse: "), done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_unreachable_server():
    done = cli("check", "--dsn", f"postgresql://postgres@127.0.0.1:{free_port()}/postgres")
    assert_one_clear_line(done, "Database unreachable", "not accepting connections")


@pytest.fixture()
def role_with_password(pg):
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS pgpulse_pw")
        conn.execute("CREATE ROLE pgpulse_pw LOGIN PASSWORD 'right-pw'")
    return pg


def test_wrong_password_never_shows_the_password(role_with_password):
    url = role_with_password.url_for("postgres", "pgpulse_pw", "wrong-pw-123")
    done = cli("check", "--dsn", url)
    assert_one_clear_line(done, "Wrong password")
    assert "wrong-pw-123" not in done.stderr + done.stdout


def test_wrong_password_in_the_app_is_a_banner_without_the_password(role_with_password, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from lib import stbind
    from tests.test_pages import APP

    monkeypatch.setenv("DATABASE_URL", role_with_password.url_for("postgres", "pgpulse_pw", "wrong-pw-123"))
    stbind.settings.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        assert not at.exception and not at.metric
        assert any(e.value.startswith("**Wrong password**") or "Wrong password" in e.value for e in at.error)
        shown = [e.value for kind in (at.error, at.markdown, at.caption, at.info, at.warning) for e in kind]
        assert shown and not any("wrong-pw-123" in text for text in shown)
        at.switch_page("pages/slow_queries.py").run()
        assert not at.exception and any("Wrong password" in e.value for e in at.error)
    finally:
        stbind.settings.clear()


def test_unknown_database(pg):
    done = cli("check", "--dsn", pg.url_for("no_such_db"))
    assert_one_clear_line(done, "Unknown database", "no_such_db")


def test_dsn_typo():
    done = cli("check", "--dsn", "host=localhost prot=5432")
    assert_one_clear_line(done, "not valid", "prot")


def test_bad_arguments_exit_2():
    assert_one_clear_line(cli("check", "--fail-on", "sometimes"), "invalid choice: 'sometimes'")
    assert_one_clear_line(cli("nonsense"), "invalid choice: 'nonsense'")
    assert_one_clear_line(cli("check", "--db", "prod"), "no database named 'prod'")


def test_server_stops_and_comes_back():
    """The same Database object recovers once the server is back, without a restart of pgpulse."""
    server = servers.start_server(servers.available_bin_dirs()["pg18"])
    db = make_db(servers.create_database(server))
    try:
        assert db.one("database_overview")["size_bytes"] > 0
        server.stop("immediate")
        with pytest.raises(DatabaseUnavailable) as err:
            db.one("database_overview")
        assert "unreachable" in err.value.problem.title.lower()
        server.start()
        assert db.one("database_overview")["size_bytes"] > 0
    finally:
        db.close()
        server.destroy()


def test_a_table_locked_by_someone_else(fresh_url):
    """A migration holds ACCESS EXCLUSIVE on a table: the catalog checks still report it (they read page
    counts, not sizes that would wait for the lock), and what must wait says so in words."""
    from lib.checks import run_checks
    from lib.core.errors import describe
    from lib.core.findings import CheckContext

    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute('CREATE TABLE "Parent" (id int UNIQUE); CREATE TABLE "Odd ""locked"" t" '
                     '(parent_id int REFERENCES "Parent" (id), v text)')
    migration = psycopg.connect(fresh_url)
    migration.execute('LOCK TABLE "Odd ""locked"" t" IN ACCESS EXCLUSIVE MODE')
    db = make_db(fresh_url)
    try:
        run = run_checks(CheckContext(db, db.thresholds), only=["schema.no_primary_key", "indexes.fk_missing"])
        assert run.errors == {}
        objects = {(f.check, f.object) for f in run.findings}
        assert ("schema.no_primary_key", 'public."Odd ""locked"" t"') in objects
        assert any(check == "indexes.fk_missing" and "Odd" in obj for check, obj in objects)
        with pytest.raises(psycopg.errors.LockNotAvailable) as waited:  # measuring it would have to wait
            with db.connection() as conn:
                conn.execute("""SELECT pg_total_relation_size('"Odd ""locked"" t"'::regclass)""")
        problem = describe(waited.value)
        assert problem.title == "Object is locked" and "Activity page" in problem.hint
    finally:
        migration.close()
        db.close()
