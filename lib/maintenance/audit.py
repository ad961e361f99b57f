"""The audit log in pgpulse's store: every action refused, failed, cancelled or done, and undo of drops.

A row is written when an action starts (outcome "running", with its figures before and, for a DROP
INDEX, the index's full definition) and completed when it ends: if pgpulse dies mid-action the row
stays "running" and the definition of an index it may have dropped is still there.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pandas as pd

from lib.actions import builders
from lib.core.findings import Action
from lib.core.store import Store

COLUMNS = ("id", "at", "finished_at", "database", "server", "app_user", "os_user", "db_role", "client",
           "action", "object", "target_kind", "target_schema", "target_name", "target_oid", "sql", "outcome",
           "duration_ms", "details", "error", "before_json", "after_json", "index_definition")
OUTCOMES = ("done", "failed", "refused", "cancelled", "running")


def record_start(store: Store, run) -> int:
    """Insert the row of a run (final already for a refusal); returns its id."""
    action = run.action
    row = store.query(
        "INSERT INTO audit_log (at, app_user, database, action, object, sql, outcome, duration_ms, details, "
        "db_role, os_user, client, server, target_kind, target_schema, target_name, target_oid, before_json, "
        "after_json, index_definition, error, finished_at) VALUES (:at, :app_user, :database, :action, "
        ":object, :sql, :outcome, :duration_ms, :details, :db_role, :os_user, :client, :server, :target_kind, "
        ":target_schema, :target_name, :target_oid, :before_json, :after_json, :index_definition, :error, "
        ":finished_at) RETURNING id",
        {"at": run.started or time.time(), "app_user": run.actor.app_user, "database": run.database,
         "action": action.kind, "object": run.object_display, "sql": action.sql, "db_role": run.db_role,
         "os_user": run.actor.os_user, "client": run.actor.client, "server": run.server,
         "target_kind": action.target_kind, "target_schema": action.target_schema,
         "target_name": action.target_name, "index_definition": run.before.get("definition")
         if action.kind == "drop_index" else None, **_outcome(run)})
    return int(row[0]["id"])


def record_end(store: Store, run) -> None:
    store.execute(
        "UPDATE audit_log SET outcome = :outcome, duration_ms = :duration_ms, details = :details, "
        "target_oid = :target_oid, before_json = :before_json, after_json = :after_json, error = :error, "
        "finished_at = :finished_at WHERE id = :id", {"id": run.audit_id, **_outcome(run)})


def _outcome(run) -> dict[str, Any]:
    return {"outcome": run.state, "duration_ms": run.duration_ms, "details": run.message or None,
            "target_oid": run.target_oid, "before_json": _json(run.before), "after_json": _json(run.after),
            "error": run.problem.line() if run.problem else None, "finished_at": run.finished}


def _json(values: dict[str, Any]) -> str | None:
    return json.dumps(values, default=str, ensure_ascii=False) if values else None


def entries(store: Store, database: str | None = None, outcomes: list[str] | None = None,
            kinds: list[str] | None = None, text: str = "", since: float | None = None,
            until: float | None = None, limit: int = 5000) -> list[dict[str, Any]]:
    """Audit rows, newest first. Filters are fixed clauses with bound values."""
    clauses, params = [], {"limit": limit}
    if database:
        clauses.append("database = :database")
        params["database"] = database
    for name, values in (("outcome", outcomes), ("action", kinds)):
        if values:
            marks = [f":{name}{i}" for i in range(len(values))]
            clauses.append(f"{name} IN ({', '.join(marks)})")
            params |= {f"{name}{i}": v for i, v in enumerate(values)}
    if text:
        clauses.append("(lower(coalesce(object, '')) LIKE :text OR lower(sql) LIKE :text "
                       "OR lower(coalesce(app_user, os_user, '')) LIKE :text)")
        params["text"] = f"%{text.lower()}%"
    if since is not None:
        clauses.append("at >= :since")
        params["since"] = since
    if until is not None:
        clauses.append("at < :until")
        params["until"] = until
    where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
    return store.query(f"SELECT {', '.join(COLUMNS)} FROM audit_log {where}ORDER BY at DESC, id DESC LIMIT :limit",
                       params)


def entry(store: Store, audit_id: int) -> dict[str, Any] | None:
    found = store.query(f"SELECT {', '.join(COLUMNS)} FROM audit_log WHERE id = :id", {"id": audit_id})
    return found[0] if found else None


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows for a table or a CSV: times as UTC datetimes, columns in a fixed order."""
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    for column in ("at", "finished_at"):
        df[column] = pd.to_datetime(df[column], unit="s", utc=True)
    return df


def to_csv(rows: list[dict[str, Any]]) -> str:
    return frame(rows).to_csv(index=False)


def dropped_indexes(store: Store, database: str) -> list[dict[str, Any]]:
    """Indexes pgpulse dropped in this database, newest first, with the definition to recreate them."""
    return store.query(
        f"SELECT {', '.join(COLUMNS)} FROM audit_log WHERE database = :database AND action = 'drop_index' "
        "AND outcome IN ('done', 'running') AND index_definition IS NOT NULL ORDER BY at DESC, id DESC",
        {"database": database})


def recreate_action(row: dict[str, Any]) -> Action:
    """The CREATE INDEX CONCURRENTLY that gives back a dropped index, from its audited definition."""
    return builders.recreate_index(row["target_schema"], row["target_name"], row["index_definition"])


def figures(row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return json.loads(row["before_json"] or "{}"), json.loads(row["after_json"] or "{}")


UNDOABLE = ("alter_policy", "enable_rls", "disable_rls", "function_search_path", "reset_autovacuum")


def undo_action(kind: str, schema: str, name: str, before: dict[str, Any]) -> Action | None:
    """The action that puts back what a done action changed, from its figures before (audited), or None:
    a policy's old expressions, row-level security switched back, a function's search_path as it was,
    autovacuum switched off again where the table had it off (nothing to put back when it was not set)."""
    if kind == "alter_policy" and before.get("policy") and before.get("exists") is not False:
        if before.get("using") is None and before.get("with_check") is None:
            return None
        return builders.alter_policy(schema, name, before["policy"], before.get("using"), before.get("with_check"))
    if kind in ("enable_rls", "disable_rls"):
        return builders.enable_rls(schema, name, enable=kind == "disable_rls")
    if kind == "function_search_path" and "arguments" in before:
        return builders.function_search_path(schema, name, before["arguments"], _path(before.get("search_path")))
    if kind == "reset_autovacuum":
        was_off = str(before.get("autovacuum_enabled", "")).lower() in ("false", "off", "no", "0", "f", "n")
        return builders.disable_autovacuum(schema, name) if was_off else None
    return None


def undo_of_entry(row: dict[str, Any]) -> Action | None:
    """The undo of an audit log row, when it was done and can be undone."""
    if row["action"] not in UNDOABLE or row["outcome"] != "done":
        return None
    return undo_action(row["action"], row["target_schema"], row["target_name"], figures(row)[0])


def _path(value: str | None) -> str | None:
    """A search_path as pg_proc.proconfig holds it ('"", public', '""') -> the builder's comma list."""
    if value is None:
        return None
    names = [part.strip() for part in value.split(",")]
    names = [n[1:-1].replace('""', '"') if len(n) >= 2 and n[0] == n[-1] == '"' else n for n in names]
    return ", ".join(n for n in names if n)
