"""The running app's alert evaluation: one daemon thread per process, and a small pool for page requests.

app.py calls `ensure_started()` on every run; only the first call starts the thread (a module is
imported once per process, so a module-level flag is enough; no Streamlit needed). The thread reads
the configuration afresh each round, opens its own connections (never the pages' pools) and keeps
going whatever a round raises. Pages hand slow work (a test alert, an evaluation) to `submit`, so a
webhook that times out never blocks a page.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from lib.alerts import config as alerts_config
from lib.alerts import engine
from lib.core.config import ConfigError, DatabaseConfig, Settings, load_settings, with_conninfo
from lib.core.db import Database
from lib.core.store import Store, open_store

log = logging.getLogger("pgpulse.alerts")
FIRST_DELAY_S = 15  # let the app (and the demo) start first
IDLE_POLL_S = 60  # how often an unconfigured or paused evaluator looks at the configuration again

_lock = threading.Lock()
_thread: threading.Thread | None = None
_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pgpulse-alerts-task")
_stores: dict[str, Store] = {}
last_round: dict[str, dict] = {}  # database -> {"at", "breaches", "errors", "failures"}, for the page


def shared_store(url: str | None) -> Store:
    """One Store per target in this process (it is thread-safe), shared by the thread and the pages."""
    key = url or ""
    with _lock:
        if key not in _stores:
            _stores[key] = open_store(url)
        return _stores[key]


def submit(fn, *args) -> Future:
    return _executor.submit(fn, *args)


def ensure_started() -> bool:
    """Start the evaluation thread unless it runs already; True when this call started it."""
    global _thread
    with _lock:
        if _thread is not None and _thread.is_alive():
            return False
        _thread = threading.Thread(target=_loop, name="pgpulse-alerts", daemon=True)
        _thread.start()
        return True


def resolve(config: DatabaseConfig) -> DatabaseConfig | None:
    """The connectable config; None for the embedded demo until it is up (the app starts it)."""
    if not config.embedded:
        return config
    from lib.demo import server as demo

    return with_conninfo(config, demo.url()) if demo.is_ready() else None


def evaluate_all(settings: Settings, config: alerts_config.AlertConfig, databases: dict[str, Database]) -> None:
    store = shared_store(settings.store_url)
    for target in config.targets(settings):
        resolved = resolve(target)
        if resolved is None:
            continue
        db = databases.get(target.name)
        if db is None or db.config != resolved:
            if db is not None:
                db.close()
            db = databases[target.name] = Database(resolved, settings.thresholds)
        try:
            result = engine.run_once(db, config, store)
            last_round[engine.database_key(db)] = {
                "at": time.time(), "breaches": len(result.evaluation.breaches),
                "errors": result.evaluation.errors, "failures": [d.detail for d in result.failures]}
        except Exception as exc:  # noqa: BLE001 - one database's failure never stops the others
            last_round[target.name] = {"at": time.time(), "breaches": 0, "errors": {"*": str(exc)}, "failures": []}
            log.warning("alert evaluation of %s failed: %s", target.name, exc)


def _loop() -> None:
    time.sleep(FIRST_DELAY_S)
    databases: dict[str, Database] = {}
    while True:
        wait = IDLE_POLL_S
        try:
            settings = load_settings()
            config = alerts_config.from_settings(settings)
            # With no channel nobody would hear: the Alerts page's "Evaluate now" still works.
            if config.interval_s > 0 and config.channels:
                evaluate_all(settings, config, databases)
                wait = config.interval_s
        except ConfigError as exc:
            log.warning("alerts are not evaluated: %s", exc)
        except Exception as exc:  # noqa: BLE001 - the thread must outlive any one round
            log.warning("alert round failed: %s", exc)
        time.sleep(wait)
