"""Plans kept in pgpulse's own store (lib/core/migrations/0005_plans.sql), to compare later.

A kept plan is the FORMAT JSON document PostgreSQL returned (or the one read from a pasted
plan), with a label, the statement and when it was kept; the analysis is rebuilt from the
document, so improvements to the plan engine apply to old plans too.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from lib.core.store import Store
from lib.plan import Plan, build_plan

MAX_LABEL = 200


@dataclass(frozen=True)
class KeptPlan:
    id: int
    at: float
    database: str
    label: str
    sql: str | None
    source: str  # explain | pasted
    options: dict
    execution_ms: float | None
    document: list[dict]
    number: int = 0  # its place among its database's kept plans, oldest first, from 1: what the user sees

    @property
    def params(self) -> list | None:
        """The $n values it ran with (None when it had none or was pasted)."""
        return self.options.get("params") or None

    def plan(self) -> Plan:
        return build_plan(self.document[0])

    @property
    def title(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.at))
        took = f" · {self.execution_ms:,.1f} ms" if self.execution_ms is not None else ""
        return f"#{self.number} {self.label} ({when}{took})"


def keep(store: Store, database: str, label: str, document: list[dict], sql: str | None = None,
         source: str = "explain", options: dict | None = None, at: float | None = None,
         params: list | tuple | None = None) -> int:
    """Store a plan (with the $n values it ran with, inside its options); returns its id."""
    options = {**(options or {}), **({"params": list(params)} if params else {})}
    label = (label or "").strip()[:MAX_LABEL] or "plan"
    execution = document[0].get("Execution Time")
    rows = store.query(
        "INSERT INTO kept_plans (at, database, label, sql, source, options, execution_ms, plan_json) "
        "VALUES (:at, :database, :label, :sql, :source, :options, :execution_ms, :plan_json) RETURNING id",
        {"at": time.time() if at is None else at, "database": database, "label": label, "sql": sql,
         "source": source, "options": json.dumps(options),
         "execution_ms": float(execution) if execution is not None else None,
         "plan_json": json.dumps(document)})  # fmt: skip
    return int(rows[0]["id"])


def kept(store: Store, database: str | None = None, limit: int = 200) -> list[KeptPlan]:
    """Newest first; all databases when `database` is None."""
    where = "" if database is None else "WHERE database = :database "
    rows = store.query("SELECT *, row_number() OVER (PARTITION BY database ORDER BY at, id) AS number "
                       "FROM kept_plans " + where + "ORDER BY at DESC, id DESC LIMIT :limit",
                       {"database": database, "limit": limit})
    return [_row(r) for r in rows]


def number_of(store: Store, plan_id: int) -> int:
    """The number the user sees for a kept plan (1 for its database's oldest)."""
    rows = store.query("SELECT count(*) AS n FROM kept_plans k JOIN kept_plans mine ON mine.id = :id "
                       "AND k.database = mine.database AND (k.at < mine.at OR (k.at = mine.at AND k.id <= mine.id))",
                       {"id": plan_id})
    return int(rows[0]["n"])


def run_difference(before: KeptPlan, after: KeptPlan) -> str | None:
    """Why a speed-up between two kept plans may not be like for like, in two words, or None."""
    if (before.params or []) != (after.params or []):
        return "different parameters"
    return None


def get(store: Store, plan_id: int) -> KeptPlan | None:
    rows = store.query("SELECT * FROM kept_plans WHERE id = :id", {"id": plan_id})
    return _row({**rows[0], "number": number_of(store, plan_id)}) if rows else None


def forget(store: Store, plan_id: int) -> None:
    store.execute("DELETE FROM kept_plans WHERE id = :id", {"id": plan_id})


def _row(r: dict) -> KeptPlan:
    return KeptPlan(int(r["id"]), float(r["at"]), r["database"], r["label"], r["sql"], r["source"],
                    json.loads(r["options"] or "{}"), r["execution_ms"], json.loads(r["plan_json"]),
                    int(r.get("number") or 0))
