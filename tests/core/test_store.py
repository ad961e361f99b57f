"""The app's own store: migrations on SQLite and PostgreSQL, applied once, and the monitored DB untouched."""

from __future__ import annotations

import sqlite3
import threading

import psycopg

from lib.core import store as store_module
from lib.core.store import Store


def test_sqlite_store_migrates_once_and_survives_reopen(tmp_path):
    path = tmp_path / "pgpulse.db"
    first = Store(path)
    expected = {version for version, _, _ in store_module.migrations()}
    assert first.applied_versions() == expected
    first.execute("INSERT INTO audit_log (at, database, action, sql, outcome) VALUES (:at, :db, :a, :s, :o)",
                  {"at": 1.5, "db": "demo", "a": "vacuum", "s": 'VACUUM "a""b"', "o": "done"})
    first.close()
    again = Store(path)
    assert again.migrate() == []  # nothing left to apply
    rows = again.query("SELECT database, sql FROM audit_log")
    assert rows == [{"database": "demo", "sql": 'VACUUM "a""b"'}]


def test_postgres_store(fresh_url):
    store = Store(fresh_url)
    try:
        store.execute("INSERT INTO audit_log (at, database, action, sql, outcome) VALUES (:at, :db, :a, :s, :o)",
                      {"at": 2.0, "db": "x", "a": "analyze", "s": "ANALYZE t", "o": "done"})
        assert store.query("SELECT action, at FROM audit_log") == [{"action": "analyze", "at": 2.0}]
        assert store.applied_versions() == {v for v, _, _ in store_module.migrations()}
    finally:
        store.close()


def test_failed_migration_is_rolled_back(tmp_path, monkeypatch):
    good = tmp_path / "migrations"
    good.mkdir()
    (good / "0001_ok.sql").write_text("CREATE TABLE a (x INTEGER)")
    (good / "0002_broken.sql").write_text("CREATE TABLE b (x INTEGER); CREATE TABLE b (x INTEGER)")
    monkeypatch.setattr(store_module, "MIGRATIONS_DIR", good)
    path = tmp_path / "s.db"
    try:
        Store(path)
    except Exception as exc:  # noqa: BLE001
        assert "already exists" in str(exc)
    else:
        raise AssertionError("the broken migration should fail")
    (good / "0002_broken.sql").write_text("CREATE TABLE b (x INTEGER)")
    store = Store(path)
    assert store.applied_versions() == {1, 2}


def open_at_once(target, openers: int = 6) -> list:
    """Open `openers` stores on one new target at the same moment (as the app's page, its background
    threads and a cron CLI can on a first start); what each raised, if anything."""
    start = threading.Barrier(openers)
    failures: list = []

    def open_one():
        start.wait()
        try:
            Store(target).close()
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            failures.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(openers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return failures


def test_stores_opened_at_once_migrate_once_sqlite(tmp_path):
    path = tmp_path / "new.db"
    assert open_at_once(path) == []
    with sqlite3.connect(path) as conn:
        recorded = [v for v, in conn.execute("SELECT version FROM pgpulse_schema_migrations ORDER BY version")]
    assert recorded == sorted(v for v, _, _ in store_module.migrations())


def test_stores_opened_at_once_migrate_once_postgres(fresh_url):
    assert open_at_once(fresh_url) == []
    with psycopg.connect(fresh_url) as conn:
        recorded = [v for v, in conn.execute("SELECT version FROM pgpulse_schema_migrations ORDER BY version")]
    assert recorded == sorted(v for v, _, _ in store_module.migrations())
