"""A real lock contention: one session holds a table lock while running, two others wait for it."""

from __future__ import annotations

import threading
import time

import psycopg
from psycopg import sql


def wait_until(condition, timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Session:
    """A connection whose statement runs in a thread, so it can block while the test goes on."""

    def __init__(self, url: str, name: str):
        self.conn = psycopg.connect(url, autocommit=True, application_name=name)
        self.pid = self.conn.info.backend_pid
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None

    def start(self, statement: sql.Composable | str) -> Session:
        def run() -> None:
            try:
                self.conn.execute(statement)
            except BaseException as exc:  # noqa: BLE001 - the test reads it
                self.error = exc

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        return self

    def finished(self, timeout: float = 20.0) -> bool:
        if self.thread is not None:
            self.thread.join(timeout)
        return self.thread is None or not self.thread.is_alive()

    def close(self) -> None:
        try:
            self.conn.cancel_safe(timeout=2)
        except Exception:  # noqa: BLE001 - already gone
            pass
        self.finished(5)
        self.conn.close()


class LockScene:
    """`root` holds ACCESS EXCLUSIVE on `table` inside a running statement (so cancelling it releases the
    lock); `reader` and `writer` wait for it."""

    def __init__(self, url: str, table: str = "contended", read_only: bool = False):
        """`read_only`: use an existing table and only read it (the demo database must not change)."""
        if not read_only:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (id int)").format(sql.Identifier(table)))
                conn.execute(sql.SQL("INSERT INTO {} SELECT generate_series(1, 10)").format(sql.Identifier(table)))
        self.url = url
        self.root = Session(url, "scene-root")
        self.reader = Session(url, "scene-reader")
        self.writer = Session(url, "scene-writer")
        # One simple-protocol string is one implicit transaction: a cancel rolls it back, lock included.
        name = sql.Identifier(table)
        self.root.start(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120)").format(name))
        wait_until(lambda: self._granted(table), what="the root's lock")
        self.reader.start(sql.SQL("SELECT count(*) FROM {}").format(name))
        self.writer.start(sql.SQL("SELECT count(*) FROM {} WHERE true" if read_only else "UPDATE {} SET id = id + 1")
                          .format(name))
        wait_until(lambda: {self.reader.pid, self.writer.pid} <= self._waiting(), what="two waiting sessions")

    def _granted(self, table: str) -> bool:
        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND granted "
                                "AND mode = 'AccessExclusiveLock' AND relation = %s::regclass)",
                                (self.root.pid, table)).fetchone()[0]

    def _waiting(self) -> set[int]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            return {r[0] for r in conn.execute("SELECT pid FROM pg_locks WHERE NOT granted").fetchall()}

    @property
    def waiters(self) -> set[int]:
        return {self.reader.pid, self.writer.pid}

    def close(self) -> None:
        for session in (self.root, self.reader, self.writer):
            session.close()


def cancel_root_from_page(at, scene: LockScene) -> None:
    """In an AppTest whose cancel confirmation for the scene's root is open: Run now, then wait for the
    root and the sessions it blocked to end and for the run's result on the page."""
    run_button = next(b for b in at.button if (b.key or "").startswith("run:"))
    assert not run_button.disabled
    run_button.click().run()
    wait_until(lambda: scene.root.finished() and scene.reader.finished() and scene.writer.finished(),
               what="the cancelled root and the sessions it blocked")

    def result_shown() -> bool:
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return any(f"cancel backend {scene.root.pid}: done" in s.value for s in at.success)

    wait_until(result_shown, timeout=30, what="the run's result on the page")
