"""Opening the history store, or a sentence saying why it cannot be: history is optional.

A store that is missing, locked or unwritable leaves the dashboard working without history; callers
show `HistoryUnavailable.notice` instead of charts.
"""

from __future__ import annotations

import sqlite3

from lib.core.store import Store, default_store_path, open_store


class HistoryUnavailable(RuntimeError):
    def __init__(self, notice: str):
        super().__init__(notice)
        self.notice = notice


def where(store_url: str | None) -> str:
    if store_url and store_url.startswith(("postgres://", "postgresql://")):
        from lib.core.config import describe_conninfo

        return f"the PostgreSQL store {describe_conninfo(store_url)}"
    return f"the store file {store_url or default_store_path()}"


def explain(exc: BaseException, store_url: str | None) -> HistoryUnavailable:
    target = where(store_url)
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    low = text.lower()
    if "locked" in low or "busy" in low:
        why = f"{target} is locked by another program"
    elif "readonly" in low or "read-only" in low or "permission denied" in low or isinstance(exc, PermissionError):
        why = f"{target} cannot be written ({text})"
    elif isinstance(exc, sqlite3.OperationalError | OSError):
        why = f"{target} cannot be opened ({text})"
    else:
        why = f"{target} cannot be reached ({text})"
    return HistoryUnavailable(f"History is unavailable: {why}. The dashboard works without it; set "
                              "PGPULSE_HOME or [pgpulse] store_url to a writable place to keep history.")


def open_history(store_url: str | None = None) -> Store:
    """The store, migrated; HistoryUnavailable (with its notice) when it cannot be used."""
    try:
        return open_store(store_url)
    except Exception as exc:  # noqa: BLE001 - every failure becomes the notice
        raise explain(exc, store_url) from None
