"""One action per object at a time, across sessions, app instances and cron jobs: an advisory lock.

The lock lives in the monitored database, not in pgpulse's store: every instance and the CLI acting
on a database share that database (stores may be one SQLite file per instance), the server releases
it by itself when the acting session dies (no stale lock after a crash), and pg_locks tells who holds
it, so the second attempt is told who is running what. It is a session lock taken with
pg_try_advisory_lock(int4, int4) on the action's own session: it never waits. The first key is
pgpulse's namespace, the second a hash of the object (see precheck.Resolved.lock_scope). Behind a
transaction pooler a session lock would stay on a server connection other clients get next, so a cancel
or terminate there takes the same key with pg_try_advisory_xact_lock inside its one transaction
(`try_xact_lock`): released at its end, seen by `holder` and by every other pgpulse alike.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from lib.core.fmt import fmt_age
from lib.maintenance.reader import Reader

NAMESPACE = int.from_bytes(b"pgpu", "big") & 0x7FFFFFFF  # keeps clear of applications' own keys


def key(scope: str) -> dict[str, int]:
    digest = hashlib.blake2b(scope.encode(), digest_size=4).digest()
    return {"key1": NAMESPACE, "key2": int.from_bytes(digest, "big") & 0x7FFFFFFF}


def try_lock(reader: Reader, scope: str) -> bool:
    return bool(reader.one("maint_try_lock", key(scope))["locked"])


def try_xact_lock(reader: Reader, scope: str) -> bool:
    """The same lock for the current transaction only (the reader's connection must be in one)."""
    return bool(reader.one("maint_try_xact_lock", key(scope))["locked"])


def unlock(reader: Reader, scope: str) -> None:
    reader.one("maint_unlock", key(scope))


def holder(reader: Reader, scope: str) -> str:
    """Who holds the lock, in words (the running statement, the pgpulse user, since when)."""
    row = reader.one("maint_lock_holder", key(scope))
    if row is None:
        return "another pgpulse session is acting on this object (it has just finished or hides its details)."
    who = row["application_name"] or "a session"
    if who.startswith("pgpulse: "):
        who = who.removeprefix("pgpulse: ")
    since = row["query_start"] or row["backend_start"]
    started = fmt_age(since, datetime.now(UTC)) if since else "a moment ago"
    query = row["query"] or ""
    # Hidden from this role, or pgpulse reading figures just before or after its statement.
    doing = "acting on it" if not query or query.startswith(("<", "/* pgpulse */")) else f"running `{query}` on it"
    return (f"{who} (role {row['usename']}, pid {row['pid']}) is already {doing}, started {started}. "
            "Try again when it has finished.")
