"""Live activity: who is connected, doing what, for how long, waiting on whom; maintenance in progress.

One snapshot is three queries (sessions, lock waits, progress) taken one after the other: a session
may end between them, so every lookup across them tolerates a missing pid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from lib.live.blocking import BlockNode, build_tree

HIDDEN_QUERY = "<insufficient privilege>"
HIDDEN_STATE = "hidden (no privilege)"
APP_PREFIX = "pgpulse"
DIMENSIONS = {"state": "state", "database": "datname", "role": "usename", "application": "application_name",
              "client": "client"}


@dataclass(frozen=True)
class Limits:
    max_connections: int
    superuser_reserved: int
    reserved: int  # reserved_connections (PostgreSQL 16+), for roles with pg_use_reserved_connections

    @property
    def usable(self) -> int:
        """Connections an ordinary role can open."""
        return max(self.max_connections - self.superuser_reserved - self.reserved, 1)


@dataclass
class Snapshot:
    sessions: pd.DataFrame  # every backend the role can see (all databases)
    locks: pd.DataFrame  # one row per lock being waited for
    progress: pd.DataFrame  # running VACUUM / CREATE INDEX / ANALYZE / CLUSTER
    limits: Limits
    taken_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    # -- who ------------------------------------------------------------------------------------------
    @property
    def clients(self) -> pd.DataFrame:
        """Client sessions, pgpulse's own query excluded (it is always there and always active)."""
        s = self.sessions
        return s[(s["backend_type"] == "client backend") & ~s["is_self"]]

    def by(self, dimension: str) -> pd.DataFrame:
        """Client sessions counted by one dimension (state, database, role, application, client) and state."""
        column = DIMENSIONS[dimension]
        frame = self.clients.assign(state=self.clients["state_label"])
        frame = frame.assign(**{column: frame[column].fillna("(unknown)").replace("", "(none)")})
        keys = [column] if column == "state" else [column, "state"]
        return frame.groupby(keys, dropna=False).size().reset_index(name="sessions")

    @property
    def state_counts(self) -> dict[str, int]:
        return self.clients["state_label"].value_counts().to_dict()

    @property
    def hidden(self) -> int:
        """Sessions whose details this role may not see."""
        return int((self.sessions["query"] == HIDDEN_QUERY).sum())

    # -- what needs attention ------------------------------------------------------------------------
    def long_running(self, threshold_s: float) -> pd.DataFrame:
        c = self.clients
        found = c[(c["state"] == "active") & (c["query_s"] > threshold_s) & ~c["is_pgpulse"]]
        return found.sort_values("query_s", ascending=False)

    def idle_in_transaction(self, threshold_s: float) -> pd.DataFrame:
        c = self.clients
        found = c[c["state"].fillna("").str.startswith("idle in transaction") & (c["state_s"] > threshold_s)
                  & ~c["is_pgpulse"]]
        return found.sort_values("state_s", ascending=False)

    def blocking(self) -> list[BlockNode]:
        return build_tree(self.sessions.to_dict("records"), self.locks.to_dict("records"))

    def wait_events(self) -> pd.DataFrame:
        """What active sessions are waiting on right now (CPU when nothing)."""
        active = self.clients[self.clients["state"] == "active"]
        if active.empty:
            return pd.DataFrame(columns=["wait_event_type", "wait_event", "sessions"])
        waits = active.assign(wait_event_type=active["wait_event_type"].fillna("CPU / running"),
                              wait_event=active["wait_event"].fillna("—"))
        return (waits.groupby(["wait_event_type", "wait_event"]).size().reset_index(name="sessions")
                .sort_values("sessions", ascending=False, ignore_index=True))

    def session(self, pid: int) -> dict | None:
        found = self.sessions[self.sessions["pid"] == pid]
        return found.iloc[0].to_dict() if len(found) else None


def state_label(state: str | None, query: str | None) -> str:
    if query == HIDDEN_QUERY:
        return HIDDEN_STATE
    return state if isinstance(state, str) and state else "background"


def is_pgpulse(application_name: str | None) -> bool:
    return (application_name or "").startswith(APP_PREFIX)


def prepare_sessions(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the labels the page and checks use; works on an empty frame too."""
    if frame.empty:
        frame = pd.DataFrame(columns=["pid", "datname", "usename", "application_name", "client", "backend_type",
                                      "state", "wait_event_type", "wait_event", "query", "backend_start",
                                      "xact_start", "query_start", "state_change", "query_s", "xact_s",
                                      "state_s", "blocked_by", "is_self", "this_database"])
    frame = frame.copy()
    for column in ("query_s", "xact_s", "state_s"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    frame["is_self"] = frame["is_self"].astype(bool)
    # Without pg_monitor another role's row hides its backend_type too; a row with a role is a client
    # (server processes run without one), so count it as one.
    hidden_client = (frame["query"] == HIDDEN_QUERY) & frame["backend_type"].isna() & frame["usename"].notna()
    frame.loc[hidden_client, "backend_type"] = "client backend"
    frame["state_label"] = [state_label(s, q) for s, q in zip(frame["state"], frame["query"], strict=True)]
    frame["is_pgpulse"] = [is_pgpulse(a) for a in frame["application_name"]]
    frame["blocked_by"] = [list(b) if isinstance(b, list | tuple) else [] for b in frame["blocked_by"]]
    return frame


def without_nan(frame: pd.DataFrame) -> pd.DataFrame:
    """NULLs as None, not NaN (NaN is truthy, and these rows are read one by one)."""
    return frame.astype(object).where(frame.notna(), None)


def collect(db) -> Snapshot:
    limits = db.one("activity_limits")
    return Snapshot(
        sessions=prepare_sessions(db.frame("activity_sessions")),
        locks=without_nan(db.frame("activity_locks")),
        progress=db.frame("activity_progress"),
        limits=Limits(limits["max_connections"], limits["superuser_reserved"], limits["reserved"]),
    )
