"""The app's own snapshots: a daemon thread that snapshots every configured database each interval.

One thread per process (the page glue starts it once); several processes or app instances share
the work through the store's lease, so each interval of each database gets one snapshot.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from lib.core.config import DatabaseConfig, Settings
from lib.core.db import Database
from lib.core.errors import describe
from lib.history import findings_log, history_key
from lib.history.access import HistoryUnavailable, open_history
from lib.history.snapshot import take_snapshot

TICK_S = 30.0  # how often the thread looks whether a snapshot is due (the lease decides)


class SnapshotLoop:
    def __init__(self, settings: Settings, tick_s: float = TICK_S,
                 embedded_url: Callable[[], str | None] = lambda: None):
        self.settings = settings
        self.embedded_url = embedded_url  # the embedded demo's URL once it is ready (None: skip it this time)
        self.tick_s = min(tick_s, settings.thresholds.history_interval_s)
        self.status: dict[str, dict] = {}  # history key -> last result line or error, and when
        self.store_notice: str | None = None
        self._store = None
        self._dbs: dict[str, Database] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> SnapshotLoop:
        self._thread = threading.Thread(target=self._run, name="pgpulse-history", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=30)
        for db in self._dbs.values():
            db.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.tick_s)

    def run_once(self) -> None:
        store = self._open_store()
        if store is None:
            return
        for config in self.settings.databases:
            target = self._target(config)
            if target is None:
                continue
            key = history_key(config)
            try:
                db = self._database(target)
                result = take_snapshot(db, store, key)
                if not result.skipped:
                    self.status[key] = {"at": time.time(), "line": result.line(), "error": None}
                if not result.skipped and findings_log.due(store, key, db.thresholds.history_findings_interval_s):
                    findings_log.record_checks(db, store, key)
            except Exception as exc:  # noqa: BLE001 - one database's failure never stops the others
                self.status[key] = {"at": time.time(), "line": None, "error": describe(exc, config.display).line()}
                self._drop(config.name)

    def _open_store(self):
        if self._store is None:
            try:
                self._store = open_history(self.settings.store_url)
                self.store_notice = None
            except HistoryUnavailable as exc:
                self.store_notice = exc.notice
        return self._store

    def _target(self, config: DatabaseConfig) -> DatabaseConfig | None:
        if not config.embedded:
            return config
        url = self.embedded_url()
        return replace(config, conninfo=url) if url else None

    def _database(self, config: DatabaseConfig) -> Database:
        db = self._dbs.get(config.name)
        if db is None or db.config.conninfo != config.conninfo:
            self._drop(config.name)
            db = self._dbs[config.name] = Database(config, self.settings.thresholds)
        return db

    def _drop(self, name: str) -> None:
        db = self._dbs.pop(name, None)
        if db is not None:
            db.close()
