"""Before an action runs: does its object exist, and may this role do it? Refused with a sentence if not.

What can be known in advance is checked here (ownership, superuser, MAINTAIN on 17+, the database
owner's right to VACUUM/ANALYZE, pg_signal_backend, EXECUTE on pg_stat_statements_reset); what cannot
(disk space, a tablespace privilege) becomes a clear message when PostgreSQL refuses. A session is
never signalled when it is pgpulse's own, nor when its pid now belongs to another session than the one
the user saw (the action's backend_start).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lib.core.findings import Action
from lib.live.activity import is_pgpulse
from lib.maintenance.reader import Reader
from lib.maintenance.target import KIND_WORDS, OPTION_KINDS, ActionMismatch, Target, parse

TABLE_KINDS = {"vacuum", "vacuum_analyze", "vacuum_full", "analyze"}
POLICY_KINDS = {"alter_policy", "enable_rls", "disable_rls"}  # on a table; only its owner (or a superuser)
INDEX_KINDS = {"reindex", "drop_index", "create_index"}
# Who may run each relation action (besides a superuser): the owner always; the database owner for
# VACUUM/ANALYZE of non-shared tables; the MAINTAIN privilege (PostgreSQL 17+) except for CREATE/DROP.
DB_OWNER_MAY = TABLE_KINDS
MAINTAIN_MAY = TABLE_KINDS | {"reindex", "refresh_matview"}


class Refused(Exception):
    """The action must not run; the message says why and what to do."""


@dataclass(frozen=True)
class Resolved:
    target: Target
    relation: dict[str, Any] | None = None  # maint_relation row of the object acted on, if it exists
    table: dict[str, Any] | None = None  # maint_relation row of the table the action locks
    backend: dict[str, Any] | None = None  # maint_backend row for cancel/terminate
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def oid(self) -> int | None:
        return (self.relation or {}).get("oid")

    @property
    def lock_scope(self) -> str:
        """What pgpulse's per-object lock is taken on: the table every relation action locks (all of
        them take at least SHARE UPDATE EXCLUSIVE there, so two would conflict anyway), the backend, or
        the statistics."""
        if self.table is not None:
            return f"relation:{self.table['oid']}"
        if self.target.pid is not None:
            return f"backend:{self.target.pid}"
        if self.target.kind == "drop_replication_slot":
            return f"slot:{self.target.name}"
        if "function" in self.extra:
            return f"function:{self.extra['function']['oid']}"
        return "pg_stat_statements"

    @property
    def table_display(self) -> str:
        return f"{self.table['schema']}.{self.table['name']}" if self.table else self.target.display


def resolve(reader: Reader, action: Action, caps) -> Resolved:
    """The action's object, checked to exist and to be actable on by this role; Refused otherwise."""
    try:
        target = parse(action)
    except ActionMismatch as exc:
        raise Refused(f"This action is refused: {exc}.") from None
    kind = action.kind
    if kind == "reset_statements":
        return _reset(reader, target, caps)
    if kind == "drop_replication_slot":
        return _slot(reader, target)
    if target.pid is not None:
        return _backend(reader, target, caps, action.backend_start)
    if kind == "function_search_path":
        return _function(reader, target)
    relation = reader.one("maint_relation", {"schema": target.schema, "name": target.name})
    if kind == "create_index":
        table = reader.one("maint_relation", {"schema": target.schema, "name": target.table_name})
        if table is None or table["relkind"] not in ("r", "p", "m"):
            raise Refused(f"table {target.schema}.{target.table_name} does not exist (any more).")
    else:
        if relation is None:
            raise Refused(f"{target.display} does not exist (any more): it may have been dropped or renamed.")
        wanted = {"reindex": ("i", "I"), "drop_index": ("i", "I"), "refresh_matview": ("m",),
                  **{k: ("r",) for k in OPTION_KINDS}}.get(kind, ("r", "p", "m"))
        if relation["relkind"] not in wanted:
            raise Refused(f"{target.display} is not a {_object_word(kind)}.")
        table = relation if kind not in INDEX_KINDS else \
            reader.one("maint_relation", {"schema": relation["table_schema"], "name": relation["table_name"]})
    if kind == "refresh_matview" and target.concurrently and not relation["has_unique_index"]:
        raise Refused(f"REFRESH MATERIALIZED VIEW CONCURRENTLY needs a unique index on plain columns of "
                      f"{target.display}; create one, or refresh without CONCURRENTLY (it blocks reads).")
    extra = {}
    if kind == "alter_policy":
        extra["policy"] = reader.one("maint_policy", {"oid": relation["oid"], "name": target.detail})
        if extra["policy"] is None:
            raise Refused(f"{target.display} does not exist (any more): it may have been dropped or renamed.")
    resolved = Resolved(target, relation, table, extra=extra)
    _relation_privilege(reader, resolved, kind, caps)
    return resolved


def conflicts(resolved: Resolved) -> None:
    """Refusals that depend on what other sessions do: checked again once pgpulse holds its lock, so a
    build running elsewhere is reported as running, not as a conflict."""
    if resolved.target.kind == "create_index" and resolved.relation is not None:
        raise Refused(f"{resolved.target.display} already exists; nothing to create."
                      + ("" if resolved.relation["index_valid"] else " It is INVALID (left by a failed build): "
                         "drop it first."))


def _relation_privilege(reader: Reader, resolved: Resolved, kind: str, caps) -> None:
    table = resolved.table
    rights = reader.one("maint_privileges", {"oid": table["oid"]})
    if rights is None:
        raise Refused(f"{resolved.table_display} disappeared while pgpulse checked it.")
    allowed = (rights["superuser"] or rights["owner"]
               or (kind in DB_OWNER_MAY and rights["database_owner"] and not rights["shared"])
               or (kind in MAINTAIN_MAY and rights["maintain"]))
    if allowed:
        return
    ways = [f"connect as its owner ({rights['owner_name']}) or a superuser"]
    if kind in MAINTAIN_MAY:
        ways.append(f"on PostgreSQL 17+ GRANT MAINTAIN ON {resolved.table_display} TO {rights['role']} "
                    "(or GRANT pg_maintain)" if caps.version_num >= 170000 else
                    "upgrade to PostgreSQL 17+ to grant the MAINTAIN privilege")
    raise Refused(f"Role {rights['role']} may not run {KIND_WORDS[kind]} on {resolved.table_display}, which "
                  f"belongs to {rights['owner_name']}. To do it: {'; or '.join(ways)}.")


def _slot(reader: Reader, target: Target) -> Resolved:
    slot = reader.one("maint_slot", {"name": target.name})
    if slot is None:
        raise Refused(f"{target.display} does not exist (any more).")
    if slot["active"]:
        raise Refused(f"{target.display} is in use (pid {slot['active_pid']}): a consumer reads it now. Stop that "
                      "standby or subscription first if the slot really must go.")
    if not slot["allowed"]:
        raise Refused(f"Role {slot['role']} may not drop replication slots: a superuser or a role with the "
                      "REPLICATION attribute may.")
    return Resolved(target, extra={"slot": slot})


def _function(reader: Reader, target: Target) -> Resolved:
    function = reader.one("maint_function", {"signature": target.signature})
    if function is None:
        raise Refused(f"The function {target.signature} does not exist (any more).")
    if not (function["owner"] or function["superuser"]):
        raise Refused(f"Role {function['role']} may not alter {target.signature}, which belongs to "
                      f"{function['owner_name']}: connect as its owner or a superuser.")
    return Resolved(target, extra={"function": function})


def _reset(reader: Reader, target: Target, caps) -> Resolved:
    if not caps.has_pgss:
        raise Refused(caps.pgss_problem() or "pg_stat_statements is not available.")
    allowed = reader.one("maint_reset_privilege", {"schema": caps.pgss_schema})
    if not (allowed and allowed["allowed"]):
        raise Refused(f"Role {caps.role} may not execute pg_stat_statements_reset(): by default only a "
                      f"superuser may. A superuser can GRANT EXECUTE ON FUNCTION "
                      f"{caps.pgss_schema}.pg_stat_statements_reset TO {caps.role}.")
    return Resolved(target, extra={"loss": reader.one("maint_reset_loss")})


def _backend(reader: Reader, target: Target, caps, backend_start: str) -> Resolved:
    backend = reader.one("maint_backend", {"pid": target.pid})
    if backend is None:
        raise Refused(f"No session with pid {target.pid} any more: it has already ended.")
    if is_pgpulse(backend["application_name"]):
        raise Refused(f"pid {target.pid} is pgpulse's own connection ({backend['application_name']}): it is never "
                      "signalled from here (a running action has its own Cancel button).")
    if backend["is_self"]:
        raise Refused("That is pgpulse's own session for this action.")
    if backend_start and backend["backend_start"] != datetime.fromisoformat(backend_start):
        raise Refused(f"pid {target.pid} now belongs to another session (the one you saw has ended): refresh "
                      "and look again.")
    if backend["usename"] is None:
        raise Refused(f"pid {target.pid} is a {backend['backend_type'] or 'server'} process, not a client "
                      "session; PostgreSQL does not let it be signalled.")
    if not caps.superuser:
        if backend["target_superuser"]:
            raise Refused(f"pid {target.pid} belongs to superuser {backend['usename']}: only a superuser may "
                          "signal it.")
        if not (backend["same_role"] or backend["signal_backend"]):
            raise Refused(f"pid {target.pid} belongs to role {backend['usename']}; role {caps.role} may only "
                          f"signal its own sessions. A superuser can GRANT pg_signal_backend TO {caps.role}.")
    return Resolved(target, backend=backend)


def _object_word(kind: str) -> str:
    return {"reindex": "index", "drop_index": "index", "refresh_matview": "materialized view"}.get(kind, "table")
