"""Builders of maintenance actions: the exact SQL (names quoted by psycopg.sql) and the lock it takes.

Checks attach these to Findings; lib's maintenance runner executes them. One builder per kind, so
the SQL and the lock wording of an action are written once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from psycopg import sql

from lib.core.findings import Action
from lib.core.sqlcompose import qualified, render

LOCKS = {
    "vacuum": "SHARE UPDATE EXCLUSIVE on the table: reads and writes go on; blocks DDL, other VACUUMs "
              "and ANALYZE on it.",
    "vacuum_full": "ACCESS EXCLUSIVE on the table for the whole rewrite: every read and every write of it "
                   "waits until it ends (minutes on a large table), and so does any other statement that "
                   "touches it. Needs free disk about the size of the table and its indexes for the new copy.",
    "autovacuum_option": "SHARE UPDATE EXCLUSIVE on the table, for the moment it takes to change a storage "
                         "parameter: reads and writes go on; DDL, VACUUM and ANALYZE on it wait that moment.",
    "analyze": "SHARE UPDATE EXCLUSIVE on the table: reads and writes go on; blocks DDL, VACUUM and "
               "other ANALYZEs on it.",
    "reindex": "SHARE UPDATE EXCLUSIVE on the table and index (CONCURRENTLY): reads and writes go on; "
               "blocks DDL and VACUUM; briefly waits for transactions using the index at the swap.",
    "drop_index": "SHARE UPDATE EXCLUSIVE on the table (CONCURRENTLY): reads and writes go on; waits "
                  "for transactions that use the index to finish.",
    "create_index": "SHARE UPDATE EXCLUSIVE on the table (CONCURRENTLY): reads and writes go on; blocks "
                    "DDL and VACUUM; waits for running transactions to finish before it ends.",
    "refresh_matview_concurrently": "EXCLUSIVE on the materialized view (CONCURRENTLY): reads go on, "
                                    "other refreshes wait.",
    "refresh_matview": "ACCESS EXCLUSIVE on the materialized view: every read of it waits until the "
                       "refresh ends.",
    "reset_statements": "No lock. Every pg_stat_statements counter restarts from zero: the statistics "
                        "since the last reset are lost for every tool reading them.",
    "cancel_backend": "No lock. The session's running statement is cancelled; its transaction rolls back.",
    "terminate_backend": "No lock. The session is disconnected; its open transaction rolls back.",
    "drop_replication_slot": "No lock on tables. The slot goes, and the WAL it kept can be recycled; its "
                             "consumer (a standby or subscription) can never resume from it and must be rebuilt.",
    "alter_policy": "ACCESS EXCLUSIVE on the table for an instant: reads and writes of it wait while the "
                    "policy changes (at most action_lock_timeout_ms to get the lock).",
    "enable_rls": "ACCESS EXCLUSIVE on the table for an instant: reads and writes of it wait while row-level "
                  "security is switched (at most action_lock_timeout_ms to get the lock).",
    "function_search_path": "No table lock. Sessions calling the function use the new search_path from their "
                            "next call.",
}


def _table_action(kind: str, statement: sql.Composable, lock: str, schema: str, table: str,
                  target_kind: str = "table") -> Action:
    return Action(kind=kind, sql=render(statement), lock=LOCKS[lock], target_kind=target_kind,
                  target_schema=schema, target_name=table)


def vacuum(schema: str, table: str, analyze: bool = False) -> Action:
    options = sql.SQL("(ANALYZE) ") if analyze else sql.SQL("")
    statement = sql.SQL("VACUUM {}{}").format(options, qualified(schema, table))
    return _table_action("vacuum_analyze" if analyze else "vacuum", statement, "vacuum", schema, table)


def vacuum_full(schema: str, table: str) -> Action:
    """VACUUM (FULL, ANALYZE): rewrites the table and its indexes compactly, giving the space back."""
    statement = sql.SQL("VACUUM (FULL, ANALYZE) {}").format(qualified(schema, table))
    return _table_action("vacuum_full", statement, "vacuum_full", schema, table)


def reset_autovacuum(schema: str, table: str) -> Action:
    """Turn autovacuum back on for a table: drop its autovacuum_enabled storage parameter (the server's
    settings apply again). Undone by `disable_autovacuum`."""
    statement = sql.SQL("ALTER TABLE {} RESET (autovacuum_enabled)").format(qualified(schema, table))
    return _table_action("reset_autovacuum", statement, "autovacuum_option", schema, table)


def disable_autovacuum(schema: str, table: str) -> Action:
    """The undo of `reset_autovacuum`: autovacuum_enabled = false again, as it was."""
    statement = sql.SQL("ALTER TABLE {} SET (autovacuum_enabled = false)").format(qualified(schema, table))
    return _table_action("disable_autovacuum", statement, "autovacuum_option", schema, table)


def analyze(schema: str, table: str) -> Action:
    return _table_action("analyze", sql.SQL("ANALYZE {}").format(qualified(schema, table)), "analyze",
                         schema, table)


def reindex(schema: str, index: str) -> Action:
    statement = sql.SQL("REINDEX INDEX CONCURRENTLY {}").format(qualified(schema, index))
    return _concurrent(_table_action("reindex", statement, "reindex", schema, index, "index"))


def drop_index(schema: str, index: str) -> Action:
    statement = sql.SQL("DROP INDEX CONCURRENTLY {}").format(qualified(schema, index))
    return _concurrent(_table_action("drop_index", statement, "drop_index", schema, index, "index"))


def create_index(schema: str, table: str, columns: Sequence[str], name: str | None = None) -> Action:
    """CREATE INDEX CONCURRENTLY on plain columns (e.g. a foreign key's); named after them by default."""
    return create_index_with(schema, table, name or index_name(table, columns), list(map(sql.Identifier, columns)))


def create_index_with(schema: str, table: str, name: str, keys: Sequence[sql.Composable],
                      include: Sequence[str] = (), where: sql.Composable | None = None) -> Action:
    """CREATE INDEX CONCURRENTLY with composed keys (columns or expressions such as lower(email)),
    INCLUDE columns and a partial index's WHERE (the index advisor's recommendations)."""
    statement = sql.SQL("CREATE INDEX CONCURRENTLY {} ON {} ({})").format(
        sql.Identifier(name), qualified(schema, table), sql.SQL(", ").join(keys))
    if include:
        statement += sql.SQL(" INCLUDE ({})").format(sql.SQL(", ").join(map(sql.Identifier, include)))
    if where is not None:
        statement += sql.SQL(" WHERE {}").format(where)
    return _concurrent(_table_action("create_index", statement, "create_index", schema, name, "index"))


def recreate_index(schema: str, name: str, definition: str) -> Action:
    """Rebuild a dropped index from its pg_get_indexdef() text, concurrently.

    The definition comes from PostgreSQL itself (it quotes names), so only CONCURRENTLY is inserted.
    """
    prefix = "CREATE UNIQUE INDEX " if definition.startswith("CREATE UNIQUE INDEX ") else "CREATE INDEX "
    if not definition.startswith(prefix):
        raise ValueError("not an index definition from pg_get_indexdef()")
    text = prefix + "CONCURRENTLY " + definition[len(prefix):]
    return Action(kind="create_index", sql=text, lock=LOCKS["create_index"], concurrently=True,
                  target_kind="index", target_schema=schema, target_name=name)


def refresh_matview(schema: str, view: str, concurrently: bool) -> Action:
    keyword = sql.SQL("CONCURRENTLY ") if concurrently else sql.SQL("")
    statement = sql.SQL("REFRESH MATERIALIZED VIEW {}{}").format(keyword, qualified(schema, view))
    action = _table_action("refresh_matview", statement,
                           "refresh_matview_concurrently" if concurrently else "refresh_matview",
                           schema, view, "materialized_view")
    return _concurrent(action) if concurrently else action


def reset_statements(pgss_schema: str) -> Action:
    statement = sql.SQL("SELECT {}.pg_stat_statements_reset()").format(sql.Identifier(pgss_schema))
    return Action(kind="reset_statements", sql=render(statement), lock=LOCKS["reset_statements"],
                  target_kind="database")


def cancel_backend(pid: int, backend_start: datetime | None = None) -> Action:
    return _backend_action("cancel_backend", "pg_cancel_backend", pid, backend_start)


def terminate_backend(pid: int, backend_start: datetime | None = None) -> Action:
    return _backend_action("terminate_backend", "pg_terminate_backend", pid, backend_start)


def _backend_action(kind: str, function: str, pid: int, backend_start: datetime | None) -> Action:
    """`backend_start` (pg_stat_activity's, of the session the user saw) makes the runner refuse the pid
    once it belongs to another session."""
    statement = sql.SQL("SELECT {}({})").format(sql.Identifier("pg_catalog", function), sql.Literal(int(pid)))
    missing = backend_start is None or backend_start != backend_start  # pandas' NaT is not equal to itself
    return Action(kind=kind, sql=render(statement), lock=LOCKS[kind], target_kind="backend",
                  target_name=str(int(pid)), backend_start="" if missing else backend_start.isoformat())


def _concurrent(action: Action) -> Action:
    return replace(action, concurrently=True)


def index_name(table: str, columns: Sequence[str]) -> str:
    """table_col1_col2_idx within PostgreSQL's 63-byte limit: the table part is shortened first,
    so the name never collides with the table's own."""
    suffix = "_" + "_".join(columns) + "_idx"
    room = 63 - len(suffix.encode())
    if room < 8:  # very long column names: keep some of the table, shorten the columns instead
        suffix = _cut("_" + "_".join(columns), 63 - 8 - 4) + "_idx"
        room = 63 - len(suffix.encode())
    return _cut(table, room) + suffix


def _cut(text: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8, on a character boundary."""
    return text.encode()[:limit].decode(errors="ignore")


def drop_replication_slot(slot: str) -> Action:
    """pg_drop_replication_slot of one slot (refused while a consumer uses it)."""
    statement = sql.SQL("SELECT pg_catalog.pg_drop_replication_slot({})").format(sql.Literal(slot))
    return Action(kind="drop_replication_slot", sql=render(statement), lock=LOCKS["drop_replication_slot"],
                  target_kind="replication_slot", target_name=slot)


def alter_policy(schema: str, table: str, policy: str, using: str | None, check: str | None) -> Action:
    """ALTER POLICY ... USING (...) WITH CHECK (...): `using` and `check` are expression texts printed by
    PostgreSQL or by pglast from a parsed expression (lib.supabase.policy_rewrite), never user text; None
    leaves that clause out (unchanged)."""
    clauses = []
    if using is not None:
        clauses.append(sql.SQL("USING ({})").format(sql.SQL(using)))
    if check is not None:
        clauses.append(sql.SQL("WITH CHECK ({})").format(sql.SQL(check)))
    if not clauses:
        raise ValueError("an ALTER POLICY needs a USING or a WITH CHECK expression")
    statement = sql.SQL("ALTER POLICY {} ON {} {}").format(sql.Identifier(policy), qualified(schema, table),
                                                          sql.SQL(" ").join(clauses))
    return replace(_table_action("alter_policy", statement, "alter_policy", schema, table, "policy"),
                   target_detail=policy)


def enable_rls(schema: str, table: str, enable: bool = True) -> Action:
    """ALTER TABLE ... ENABLE (or DISABLE, its undo) ROW LEVEL SECURITY."""
    word = sql.SQL("ENABLE" if enable else "DISABLE")
    statement = sql.SQL("ALTER TABLE {} {} ROW LEVEL SECURITY").format(qualified(schema, table), word)
    return _table_action("enable_rls" if enable else "disable_rls", statement, "enable_rls", schema, table)


def function_search_path(schema: str, name: str, arg_types: str, search_path: str | None = "") -> Action:
    """ALTER FUNCTION schema.name(arg_types) SET search_path = ... (RESET when `search_path` is None: the
    undo). `arg_types` are the argument types as pg_get_function_identity_arguments() or format_type()
    print them (PostgreSQL quotes what needs it); `search_path` is a list of schema names separated by
    commas ('' for an empty path, pgpulse's advice: the function then names every object with its schema)."""
    signature = sql.SQL("{}({})").format(qualified(schema, name), sql.SQL(arg_types))
    if search_path is None:
        statement = sql.SQL("ALTER FUNCTION {} RESET search_path").format(signature)
    else:
        names = [part.strip() for part in search_path.split(",") if part.strip()]
        value = sql.SQL(", ").join(map(sql.Identifier, names)) if names else sql.Literal("")
        statement = sql.SQL("ALTER FUNCTION {} SET search_path = {}").format(signature, value)
    return Action(kind="function_search_path", sql=render(statement), lock=LOCKS["function_search_path"],
                  target_kind="function", target_schema=schema, target_name=name, target_detail=arg_types)
