"""The app's background snapshots and the findings log, against a real server and store."""

from __future__ import annotations

from dataclasses import replace

from lib.core.config import DatabaseConfig, Settings, Thresholds
from lib.core.findings import Finding, Severity
from lib.core.store import Store
from lib.history import findings_log, read
from lib.history.access import HistoryUnavailable, open_history
from lib.history.runner import SnapshotLoop


def settings_for(url: str, store_url: str) -> Settings:
    config = DatabaseConfig(name="bg", conninfo=url, source="test")
    return Settings(databases=(config,), thresholds=Thresholds(), store_url=store_url)


def test_background_loop_takes_one_snapshot_per_interval(fresh_url, tmp_path):
    store_url = str(tmp_path / "h.db")
    loop = SnapshotLoop(settings_for(fresh_url, store_url))
    other_instance = SnapshotLoop(settings_for(fresh_url, store_url))
    try:
        loop.run_once()
        other_instance.run_once()  # a second app instance in the same interval: nothing to do
        loop.run_once()
        assert loop.status["bg"]["error"] is None and "baseline" in loop.status["bg"]["line"]
        assert "bg" not in other_instance.status
        store = Store(store_url)
        assert read.coverage(store, "bg")["snapshots"] == 1
        assert store.query("SELECT count(*) AS n FROM hist_finding")[0]["n"] >= 0  # findings were recorded
        assert store.query("SELECT findings_at FROM hist_state")[0]["findings_at"] is not None
        store.close()
    finally:
        loop.stop()
        other_instance.stop()


def test_background_loop_reports_an_unreachable_database_and_a_missing_store(tmp_path):
    from lib.core.pgserver import free_port

    down = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
    loop = SnapshotLoop(settings_for(down, str(tmp_path / "h.db")))
    loop.run_once()
    assert "Database unreachable" in loop.status["bg"]["error"]
    broken = SnapshotLoop(settings_for(down, "/proc/pgpulse-no-such-place/h.db"))
    broken.run_once()
    assert broken.store_notice.startswith("History is unavailable: the store file /proc/pgpulse-no-such-place")
    assert broken.status == {}


def test_unavailable_store_notices(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    for target, says in ((str(not_a_dir / "h.db"), "cannot be opened"),
                         ("postgresql://postgres@127.0.0.1:1/nothing", "cannot be reached")):
        try:
            open_history(target)
        except HistoryUnavailable as exc:
            assert says in exc.notice and "works without it" in exc.notice
        else:
            raise AssertionError(f"{target} should not open")


def test_locked_store_is_a_notice(tmp_path):
    import sqlite3

    path = tmp_path / "locked.db"
    Store(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")  # another program keeps the file to itself
    holder.execute("BEGIN EXCLUSIVE")
    try:
        open_history(str(path))
    except HistoryUnavailable as exc:
        assert "is locked by another program" in exc.notice
    else:
        raise AssertionError("a locked store should not open")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def finding(check: str, obj: str, severity=Severity.WARNING) -> Finding:
    return Finding(check, severity, obj, f"{check} on {obj}")


def test_findings_open_and_resolve(tmp_path):
    store = Store(tmp_path / "h.db")
    store.execute("INSERT INTO hist_state (database, at) VALUES ('f', 0)")
    assert findings_log.record(store, "f", [finding("a", "x"), finding("b", "y"), finding("c", "z", Severity.INFO)],
                               set(), at=100.0) == (2, 0)  # info findings are not followed
    assert findings_log.record(store, "f", [finding("a", "x")], {"b"}, at=200.0) == (0, 0)  # b could not run
    assert findings_log.record(store, "f", [finding("a", "x")], set(), at=300.0) == (0, 1)
    assert findings_log.record(store, "f", [], set(), at=400.0) == (0, 1)
    opened, resolved = read.findings_changes(store, "f", 0, 1000)
    assert [(f["check_id"], f["opened_at"]) for f in opened] == [("a", 100.0), ("b", 100.0)]
    assert [(f["check_id"], f["resolved_at"]) for f in resolved] == [("b", 300.0), ("a", 400.0)]
    assert not findings_log.due(store, "f", 3600, now=400.0 + 60)
    assert findings_log.due(store, "f", 3600, now=400.0 + 3600)
    assert findings_log.due(store, "nothing-yet", 3600)
    store.close()


def test_interval_comes_from_thresholds(fresh_url, tmp_path):
    settings = settings_for(fresh_url, str(tmp_path / "h.db"))
    fast = replace(settings, thresholds=replace(Thresholds(), history_interval_s=10))
    assert SnapshotLoop(fast).tick_s == 10
    assert SnapshotLoop(settings).tick_s == 30


def test_demo_without_a_store_simply_has_no_history(monkeypatch):
    from lib.demo.history import record_demo_history

    monkeypatch.setenv("PGPULSE_STORE_URL", "/proc/pgpulse-no-such-place/h.db")
    # The database is never reached: without a store there is nothing to record.
    assert record_demo_history("postgresql://postgres@127.0.0.1:1/none") is None
