"""The figures that show whether an action worked, read before and after it, and its expected effect.

VACUUM: dead tuples; ANALYZE: rows changed since the last analyze; REINDEX / CREATE INDEX: the index's
size and validity; DROP INDEX: whether it exists and its full definition; pg_stat_statements reset:
what is thrown away; cancel / terminate: the session's state. Values are plain JSON (they go to the
audit log); keys follow lib.core.fmt.fmt_evidence's suffixes so they print for humans.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from lib.core.fmt import evidence_label, fmt_bytes, fmt_count, fmt_evidence, fmt_ms, fmt_pct
from lib.maintenance.precheck import INDEX_KINDS, TABLE_KINDS, Resolved
from lib.maintenance.reader import Reader
from lib.maintenance.target import OPTION_KINDS


def capture(reader: Reader, resolved: Resolved) -> dict[str, Any]:
    kind, target = resolved.target.kind, resolved.target
    if kind == "alter_policy":
        row = reader.one("maint_policy", {"oid": resolved.table["oid"], "name": target.detail})
        if row is None:
            return {"exists": False, "policy": target.detail}
        return {"policy": target.detail, "using": row["using_expr"], "with_check": row["check_expr"]}
    if kind in ("enable_rls", "disable_rls"):
        row = reader.one("maint_rls_state", {"oid": resolved.table["oid"]}) or {}
        return plain({"row_level_security": row.get("rls_enabled"), "policies": row.get("policies")})
    if kind == "function_search_path":
        row = reader.one("maint_function", {"signature": target.signature})
        if row is None:
            return {"exists": False}
        return {"arguments": row["arguments"], "search_path": row["search_path"]}
    if kind in OPTION_KINDS:
        row = reader.one("maint_table_figures", {"oid": resolved.table["oid"]}) or {}
        option = row.get("autovacuum_enabled_option")
        return plain({"autovacuum_enabled": "not set (server setting)" if option is None else option,
                       "dead_tuples": row.get("n_dead_tup"),
                       "last_autovacuum": row.get("last_autovacuum")})
    if kind in TABLE_KINDS:
        row = reader.one("maint_table_figures", {"oid": resolved.table["oid"]}) or {}
        live, dead = row.get("n_live_tup") or 0, row.get("n_dead_tup") or 0
        return plain({"dead_tuples": dead, "live_tuples": live,
                      "dead_ratio": dead / (live + dead) if live + dead else 0.0,
                      "changes_since_analyze": row.get("n_mod_since_analyze"),
                      "table_bytes": row.get("table_bytes"),
                      "last_vacuum": max_time(row.get("last_vacuum"), row.get("last_autovacuum")),
                      "last_analyze": max_time(row.get("last_analyze"), row.get("last_autoanalyze")),
                      "vacuum_count": row.get("vacuum_count"), "analyze_count": row.get("analyze_count")})
    if kind in INDEX_KINDS or kind == "refresh_matview":
        row = reader.one("maint_relation", {"schema": target.schema, "name": target.name})
        if row is None:
            return {"exists": False}
        figures = {"exists": True, "oid": row["oid"], "size_bytes": row["relation_bytes"]}
        if kind == "refresh_matview":
            return plain(figures | {"rows_estimate": max(row["reltuples"], 0)})
        return plain(figures | {"valid": row["index_valid"], "scans": row["index_scans"],
                                "table_total_bytes": row["table_total_bytes"],
                                "definition": row["index_definition"]})
    if kind == "drop_replication_slot":
        row = reader.one("maint_slot", {"name": target.name})
        if row is None:
            return {"exists": False}
        return plain({"exists": True, "active": row["active"], "retained_bytes": row["retained_bytes"]})
    if kind == "reset_statements":
        row = reader.one("maint_reset_loss") or {}
        return plain({"statements": row.get("statements"), "calls": row.get("calls"),
                      "total_exec_ms": row.get("total_exec_ms"), "databases": row.get("databases"),
                      "stats_reset": row.get("stats_reset")})
    row = reader.one("maint_backend", {"pid": target.pid})
    if row is None:
        return {"exists": False}
    return plain({"exists": True, "state": row["state"], "role": row["usename"],
                  "application": row["application_name"], "query": row["query"],
                  "backend_start": row["backend_start"], "query_start": row["query_start"],
                  "xact_start": row["xact_start"]})


def summary(kind: str, before: dict[str, Any], after: dict[str, Any]) -> str:
    """The result that matters, in one line."""
    if kind in ("vacuum", "vacuum_analyze"):
        text = f"Dead tuples {fmt_count(before.get('dead_tuples'))} → {fmt_count(after.get('dead_tuples'))}"
        if kind == "vacuum_analyze":
            text += f"; rows changed since analyze {fmt_count(before.get('changes_since_analyze'))} → " \
                    f"{fmt_count(after.get('changes_since_analyze'))}"
        return text + "."
    if kind in OPTION_KINDS:
        return f"autovacuum_enabled: {before.get('autovacuum_enabled')} → {after.get('autovacuum_enabled')}."
    if kind == "vacuum_full":
        return (f"Table size {fmt_bytes(before.get('table_bytes'))} → {fmt_bytes(after.get('table_bytes'))}; "
                f"dead tuples {fmt_count(before.get('dead_tuples'))} → {fmt_count(after.get('dead_tuples'))}.")
    if kind == "analyze":
        return (f"Rows changed since the last analyze {fmt_count(before.get('changes_since_analyze'))} → "
                f"{fmt_count(after.get('changes_since_analyze'))}.")
    if kind == "reindex":
        return (f"Index size {fmt_bytes(before.get('size_bytes'))} → {fmt_bytes(after.get('size_bytes'))}; "
                f"{validity(after)}.")
    if kind == "drop_index":
        if after.get("exists"):
            return "The index still exists."
        return f"Index dropped; {fmt_bytes(before.get('size_bytes'))} freed. Its definition is kept in the audit log."
    if kind == "create_index":
        if not after.get("exists"):
            return "The index does not exist."
        return f"Index created: {fmt_bytes(after.get('size_bytes'))}, {validity(after)}."
    if kind == "refresh_matview":
        return f"Refreshed: {fmt_bytes(before.get('size_bytes'))} → {fmt_bytes(after.get('size_bytes'))}."
    if kind == "drop_replication_slot":
        if after.get("exists"):
            return "The slot still exists."
        return f"Slot dropped; the {fmt_bytes(before.get('retained_bytes'))} of WAL it kept can be recycled."
    if kind == "reset_statements":
        return f"Statements tracked {fmt_count(before.get('statements'))} → {fmt_count(after.get('statements'))}."
    if kind == "alter_policy":
        if after.get("exists") is False:
            return "The policy no longer exists."
        return f"Policy changed: USING {after.get('using') or '–'}; WITH CHECK {after.get('with_check') or '–'}."
    if kind in ("enable_rls", "disable_rls"):
        state = "on" if after.get("row_level_security") else "off"
        return f"Row-level security is {state}; the table has {fmt_count(after.get('policies'))} policies."
    if kind == "function_search_path":
        return f"search_path of the function: {before.get('search_path') or 'not set'} → " \
               f"{after.get('search_path') or 'not set'}."
    if not after.get("exists"):
        return "The session has ended."
    state = after.get("state") or "in an unknown state"
    if kind == "terminate_backend":
        return f"Terminate sent; the session is still there ({state}): it ends at its next interrupt check."
    if state == "active" and after.get("query_start") == before.get("query_start"):
        return ("Cancel sent, but the statement still runs: PostgreSQL stops it at its next interrupt check "
                "(some steps, like a system call, end first).")
    return f"Statement cancelled; the session is now {state}."


def effect(resolved: Resolved, before: dict[str, Any]) -> str:
    """What the action is expected to do, from the figures now (shown before confirming)."""
    kind = resolved.target.kind
    if kind in ("vacuum", "vacuum_analyze"):
        text = (f"Makes the {fmt_count(before.get('dead_tuples'))} dead tuples "
                f"({fmt_pct(before.get('dead_ratio'), 1)} of rows) reusable and updates the visibility map; "
                "the table's files do not shrink (only VACUUM FULL gives space back, under an exclusive lock).")
        if kind == "vacuum_analyze":
            text += f" Also refreshes the planner statistics ({fmt_count(before.get('changes_since_analyze'))} " \
                    "rows changed since the last analyze)."
        return text
    if kind == "reset_autovacuum":
        return (f"Removes {resolved.table_display}'s autovacuum_enabled = {before.get('autovacuum_enabled')} storage "
                f"parameter, so autovacuum looks after it again under the server's settings (it has "
                f"{fmt_count(before.get('dead_tuples'))} dead tuples now). Undo from the Audit page sets it back "
                "to false.")
    if kind == "disable_autovacuum":
        return (f"Sets autovacuum_enabled = false on {resolved.table_display} again, as it was: autovacuum stops "
                "vacuuming and analyzing it (an anti-wraparound vacuum still runs when needed).")
    if kind == "vacuum_full":
        return (f"Rewrites {resolved.table_display} ({fmt_bytes(before.get('table_bytes'))} now) and its indexes into "
                "new, compact files and gives the old ones back to the system; then refreshes its statistics. "
                "Every read and write of the table waits until it ends, and it needs free disk about the size "
                "of the table and its indexes while both copies exist.")
    if kind == "analyze":
        return (f"Refreshes the planner statistics from a sample of rows; "
                f"{fmt_count(before.get('changes_since_analyze'))} rows changed since the last analyze.")
    if kind == "reindex":
        return (f"Builds a fresh copy of the index ({fmt_bytes(before.get('size_bytes'))} now) without blocking "
                "reads or writes, then swaps it in: bloat goes away. Needs about that much free disk while "
                "both copies exist.")
    if kind == "drop_index":
        return (f"Frees {fmt_bytes(before.get('size_bytes'))}; writes to {resolved.table_display} stop maintaining "
                f"it. It was scanned {fmt_count(before.get('scans'))} times since the statistics reset. Its "
                "definition is kept in the audit log so it can be recreated.")
    if kind == "create_index":
        table = resolved.table
        return (f"Builds the index on {resolved.table_display} ({fmt_count(max(table['reltuples'], 0))} rows, "
                f"{fmt_bytes(table['table_total_bytes'])} with its indexes) while reads and writes go on: "
                "queries filtering or joining on these columns can use it instead of scanning the table.")
    if kind == "refresh_matview":
        blocking = "reads go on" if resolved.target.concurrently else "every read of it waits"
        return f"Recomputes the view ({fmt_bytes(before.get('size_bytes'))} now) from its query; {blocking}."
    if kind == "drop_replication_slot":
        return (f"Drops {resolved.target.display}, which keeps {fmt_bytes(before.get('retained_bytes'))} of WAL on "
                "disk: the server recycles it at its next checkpoints. Whatever used the slot (a standby, a "
                "logical subscription) can never resume from it and must be rebuilt.")
    if kind == "alter_policy":
        return ("Replaces the policy's expressions with the ones shown: each session function is called once "
                "per statement (an InitPlan) instead of once per row. The rows each user may read or change do "
                "not change. The audit log keeps the old expressions; Undo puts them back.")
    if kind == "enable_rls":
        return (f"Turns row-level security on for {resolved.table_display} ({fmt_count(before.get('policies'))} "
                "policies). Roles that do not bypass RLS (anon, authenticated: every API client) then see and "
                "change only the rows a policy allows: with no policy, none at all.")
    if kind == "disable_rls":
        return f"Turns row-level security off for {resolved.table_display}: its policies stop applying."
    if kind == "function_search_path":
        return (f"Fixes the function's search_path (now {before.get('search_path') or 'not set: the caller’s'}): "
                "names it uses no longer depend on the caller's search_path. Objects it names without a schema "
                "must then be in the schemas set.")
    if kind == "reset_statements":
        return (f"Throws away {fmt_count(before.get('statements'))} statements ({fmt_count(before.get('calls'))} "
                f"calls, {fmt_ms(before.get('total_exec_ms'))} of execution) of {before.get('databases') or 0} "
                f"database(s), collected since {when(before.get('stats_reset'))}. Every tool "
                "reading pg_stat_statements loses them; slow-query figures start again from zero.")
    query = " ".join((before.get("query") or "").split())[:200]
    who = f"pid {resolved.target.pid} ({before.get('role')}, {before.get('application') or 'no application name'}, " \
          f"{before.get('state')})"
    if kind == "cancel_backend":
        return f"Cancels the running statement of {who}: `{query}`. Its transaction rolls back."
    return f"Disconnects {who}, last statement `{query}`. Its open transaction rolls back."


HIDDEN = {"oid", "definition", "query", "policy", "arguments"}  # long or internal: shown elsewhere, not in the figures table


LABELS = {"size_bytes": "size", "table_bytes": "table size", "table_total_bytes": "table size with indexes",
          "changes_since_analyze": "rows changed since analyze", "total_exec_ms": "execution time",
          "rows_estimate": "rows (estimate)", "stats_reset": "collected since", "backend_start": "session started",
          "using": "USING", "with_check": "WITH CHECK", "row_level_security": "row-level security"}


def table(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, str]]:
    """Rows of figure / before / after, for people."""
    keys = [k for k in dict.fromkeys([*before, *after]) if k not in HIDDEN]
    return [{"figure": LABELS.get(k, evidence_label(k)), "before": show(k, before.get(k)),
             "after": show(k, after.get(k))} for k in keys]


def show(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        return when(value)
    return fmt_evidence(key, value)


def size_of(resolved: Resolved, before: dict[str, Any]) -> tuple[str, int | None]:
    """The size shown in the confirmation, with its label: the index or view acted on, else the table."""
    if "size_bytes" in before:
        return ("View size" if resolved.target.kind == "refresh_matview" else "Index size"), before["size_bytes"]
    if resolved.table is not None:
        return "Table size (with indexes)", resolved.table["table_total_bytes"]
    return "Size", None


def when(iso: str | None) -> str:
    return iso[:16].replace("T", " ") + " UTC" if iso else "the server started"


def validity(figures: dict[str, Any]) -> str:
    return "valid" if figures.get("valid") else "INVALID (not used by queries)"


def max_time(*values):
    present = [v for v in values if v is not None]
    return max(present) if present else None


def plain(values: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready values: datetimes as ISO text, decimals as numbers."""
    out = {}
    for key, value in values.items():
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, timedelta):
            value = value.total_seconds()
        elif isinstance(value, Decimal):
            value = int(value) if value == value.to_integral_value() else float(value)
        out[key] = value
    return out
