"""Functions whose effects escape a rolled-back, READ ONLY transaction.

pgpulse runs EXPLAIN ANALYZE inside a transaction it always rolls back, READ ONLY unless the
user allows data changes. That stops writes to tables, but not these: statistics resets,
signals to other sessions, sequences, session-level locks and settings (which a pooled
connection keeps), files on the server, other connections (dblink), the WAL. We match the
function's own name whatever schema qualifies it (`pg_catalog.nextval`,
`extensions.pg_stat_statements_reset`), so a user function that borrows one of these names
is flagged too: erring on the side of asking.

Functions we cannot see into (user-defined functions, operators) can do anything a READ ONLY
transaction allows; the verdict lists every call so the caller can show them.
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast

from lib.sqltext.names import NOT_CONST, const_value, func_display, func_name

WARNING, INFO = "warning", "info"  # warning: needs confirmation; info: listed only


@dataclass(frozen=True)
class SideEffect:
    function: str
    why: str
    level: str = WARNING


_STATS = "resets statistics for every user of the database; a rollback does not restore them"
_SIGNAL = "acts on another session"
_SEQ = "moves a sequence: sequences are not rolled back"
_SESSION_LOCK = "takes or releases a session-level advisory lock, which a rollback does not undo"
_FILE_READ = "reads the server's file system"
_FILE_WRITE = "writes to the server's file system; a rollback does not undo it"
_SLOT = "creates, drops or advances a replication slot, which is not transactional"
_XID = "assigns a transaction ID: XIDs are consumed even when rolled back"
_SQL_TEXT = "runs SQL given as a string, which this check cannot see into"
_HYPO = "changes this session's hypothetical indexes, which outlive the rollback in a pooled connection"

_EXACT: dict[str, tuple[str, str]] = {
    "pg_terminate_backend": (WARNING, _SIGNAL + ": ends its connection"),
    "pg_cancel_backend": (WARNING, _SIGNAL + ": cancels its running query"),
    "pg_reload_conf": (WARNING, "reloads the server configuration for every session"),
    "pg_sleep": (INFO, "waits on purpose: EXPLAIN ANALYZE takes as long as the sleep"),
    "pg_sleep_for": (INFO, "waits on purpose: EXPLAIN ANALYZE takes as long as the sleep"),
    "pg_sleep_until": (INFO, "waits on purpose: EXPLAIN ANALYZE takes as long as the sleep"),
    "nextval": (WARNING, _SEQ),
    "setval": (WARNING, _SEQ),
    "lo_import": (WARNING, "reads a file of the server's file system into a large object"),
    "lo_export": (WARNING, "writes a large object to a file on the server; a rollback does not delete it"),
    "lo_unlink": (WARNING, "deletes a large object"),
    "pg_notify": (WARNING, "sends a notification to listening sessions (delivered if the transaction commits)"),
    "txid_current": (WARNING, _XID),
    "pg_current_xact_id": (WARNING, _XID),
    "pg_switch_wal": (WARNING, "forces a switch to a new WAL file"),
    "pg_switch_xlog": (WARNING, "forces a switch to a new WAL file"),
    "pg_create_restore_point": (WARNING, "writes a named restore point into the WAL"),
    "pg_logical_emit_message": (WARNING, "writes a message into the WAL; a non-transactional one survives the rollback"),
    "pg_log_standby_snapshot": (WARNING, "writes a snapshot record into the WAL"),
    "pg_rotate_logfile": (WARNING, "rotates the server's log file"),
    "pg_rotate_logfile_old": (WARNING, "rotates the server's log file"),
    "pg_promote": (WARNING, "promotes a standby server to primary"),
    "pg_wal_replay_pause": (WARNING, "pauses WAL replay on a standby"),
    "pg_wal_replay_resume": (WARNING, "resumes WAL replay on a standby"),
    "pg_backup_start": (WARNING, "starts an online backup"),
    "pg_backup_stop": (WARNING, "stops an online backup"),
    "pg_start_backup": (WARNING, "starts an online backup"),
    "pg_stop_backup": (WARNING, "stops an online backup"),
    "pg_log_backend_memory_contexts": (INFO, "writes a backend's memory contexts into the server log"),
    "pg_create_physical_replication_slot": (WARNING, _SLOT),
    "pg_create_logical_replication_slot": (WARNING, _SLOT),
    "pg_drop_replication_slot": (WARNING, _SLOT),
    "pg_copy_physical_replication_slot": (WARNING, _SLOT),
    "pg_copy_logical_replication_slot": (WARNING, _SLOT),
    "pg_replication_slot_advance": (WARNING, _SLOT),
    "pg_sync_replication_slots": (WARNING, _SLOT),
    "pg_logical_slot_get_changes": (WARNING, "consumes a logical slot's changes; they are gone after the rollback"),
    "pg_logical_slot_get_binary_changes": (WARNING, "consumes a logical slot's changes; they are gone after the rollback"),
    "pg_read_file": (WARNING, _FILE_READ),
    "pg_read_binary_file": (WARNING, _FILE_READ),
    "pg_stat_file": (WARNING, _FILE_READ),
    "pg_ls_dir": (WARNING, _FILE_READ),
    "pg_file_write": (WARNING, _FILE_WRITE),
    "pg_file_rename": (WARNING, _FILE_WRITE),
    "pg_file_unlink": (WARNING, _FILE_WRITE),
    "pg_file_sync": (WARNING, _FILE_WRITE),
    "query_to_xml": (WARNING, _SQL_TEXT),
    "query_to_xml_and_xmlschema": (WARNING, _SQL_TEXT),
    "query_to_xmlschema": (WARNING, _SQL_TEXT),
    "ts_stat": (WARNING, _SQL_TEXT),
    "connectby": (WARNING, _SQL_TEXT),
    "xpath_table": (WARNING, _SQL_TEXT),
    "hypopg_create_index": (WARNING, _HYPO),
    "hypopg_drop_index": (WARNING, _HYPO),
    "hypopg_reset": (WARNING, _HYPO),
    "hypopg_hide_index": (WARNING, _HYPO),
    "hypopg_unhide_index": (WARNING, _HYPO),
    "hypopg_unhide_all_indexes": (WARNING, _HYPO),
}

# Families matched by the start of the name.
_PREFIXES: list[tuple[str, str, str]] = [
    ("pg_ls_", WARNING, _FILE_READ),  # pg_ls_logdir, pg_ls_waldir, pg_ls_tmpdir, ...
    ("dblink", WARNING, "runs SQL over another connection, outside this transaction: not rolled back"),
    ("crosstab", WARNING, _SQL_TEXT),
    ("pg_replication_origin_create", WARNING, "creates a replication origin"),
    ("pg_replication_origin_drop", WARNING, "drops a replication origin"),
    ("pg_replication_origin_advance", WARNING, "moves a replication origin's progress"),
    ("pg_replication_origin_session_", WARNING, "binds this session to a replication origin"),
    ("pg_replication_origin_xact_", WARNING, "sets this transaction's replication origin"),
]

_TRUE_TEXTS = {"t", "true", "y", "yes", "on", "1"}


def _argument(call: ast.FuncCall, position: int, name: str) -> ast.Node | None:
    args = call.args or ()
    for arg in args:
        if isinstance(arg, ast.NamedArgExpr) and arg.name == name:
            return arg.arg
    positional = [a for a in args if not isinstance(a, ast.NamedArgExpr)]
    return positional[position] if position < len(positional) else None


def _is_true(node: ast.Node | None) -> bool:
    value = const_value(node)
    if value is NOT_CONST or value is None:
        return False
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _TRUE_TEXTS


def _advisory(name: str) -> bool:
    return "advisory" in name and "xact" not in name and (name.startswith("pg_advisory") or name.startswith("pg_try_advisory"))


def _stats_reset(name: str) -> bool:
    """pg_stat_reset*, pg_stat_statements_reset, pg_stat_kcache_reset, pg_qualstats_reset, ...

    but not the readers of reset times (pg_stat_get_db_stat_reset_time and friends).
    """
    return name.startswith("pg_") and "reset" in name and not name.startswith("pg_stat_get_") and not name.endswith("_time")


def side_effect(call: ast.FuncCall) -> SideEffect | None:
    """Why calling this function inside a rolled-back EXPLAIN is not harmless, if it is not."""
    _, name = func_name(call)
    shown = func_display(call)
    if name == "set_config":
        if _is_true(_argument(call, 2, "is_local")):
            return None  # like SET LOCAL: gone with the rollback
        return SideEffect(shown, "changes a setting for the whole session, not only the transaction "
                                 "(is_local is not a constant true): only the rollback undoes it")
    if _advisory(name):
        return SideEffect(shown, _SESSION_LOCK)
    if name in _EXACT:
        level, why = _EXACT[name]
        return SideEffect(shown, why, level)
    for prefix, level, why in _PREFIXES:
        if name.startswith(prefix):
            return SideEffect(shown, why, level)
    if _stats_reset(name):
        return SideEffect(shown, _STATS)
    return None
