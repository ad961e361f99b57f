"""What an action's SQL acts on, read by PostgreSQL's own parser and checked against what the action says.

An Action carries its SQL and, separately, its target (kind, schema, name). Before anything runs, the
SQL must be exactly one statement of the action's kind, on a schema-qualified object that is the
target: a Finding can then never run SQL that acts on something else than what the dialog shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast, parse_sql
from pglast.enums import AlterTableType, ObjectType, ReindexObjectType, VariableSetKind
from pglast.parser import ParseError
from pglast.stream import RawStream
from psycopg import sql

from lib.core.findings import Action

RLS_KINDS = {"enable_rls": AlterTableType.AT_EnableRowSecurity, "disable_rls": AlterTableType.AT_DisableRowSecurity}
# ALTER TABLE ... RESET / SET of one storage parameter: the kind -> (subcommand, parameter, value set).
OPTION_KINDS = {"reset_autovacuum": (AlterTableType.AT_ResetRelOptions, "autovacuum_enabled", None),
                "disable_autovacuum": (AlterTableType.AT_SetRelOptions, "autovacuum_enabled", "false")}
RELATION_KINDS = {*OPTION_KINDS, *RLS_KINDS, "vacuum", "vacuum_analyze", "vacuum_full", "analyze", "reindex",
                  "drop_index", "create_index", "refresh_matview", "alter_policy"}
BACKEND_FUNCTIONS = {"cancel_backend": "pg_cancel_backend", "terminate_backend": "pg_terminate_backend"}
KIND_WORDS = {"vacuum": "VACUUM", "vacuum_analyze": "VACUUM (ANALYZE)", "vacuum_full": "VACUUM FULL",
              "analyze": "ANALYZE", "reset_autovacuum": "RESET autovacuum",
              "disable_autovacuum": "SET autovacuum off",
              "reindex": "REINDEX", "drop_index": "DROP INDEX", "create_index": "CREATE INDEX",
              "refresh_matview": "REFRESH MATERIALIZED VIEW", "reset_statements": "pg_stat_statements reset",
              "cancel_backend": "cancel", "terminate_backend": "terminate", "alter_policy": "ALTER POLICY",
              "enable_rls": "ENABLE ROW LEVEL SECURITY", "disable_rls": "DISABLE ROW LEVEL SECURITY",
              "function_search_path": "SET search_path", "drop_replication_slot": "DROP replication slot"}
# Kinds whose confirmation asks for the object's name to be typed, and what that name is.
TYPED_KINDS = {"drop_index": "index", "enable_rls": "table", "drop_replication_slot": "slot"}


class ActionMismatch(ValueError):
    """The action's SQL is not what the action claims to be: it is refused."""


@dataclass(frozen=True)
class Target:
    kind: str  # the action's kind
    schema: str = ""  # the object acted on (for create_index: the new index, in its table's schema)
    name: str = ""
    table_name: str = ""  # create_index: the table the index is built on (same schema)
    pid: int | None = None  # cancel/terminate
    concurrently: bool = False
    detail: str = ""  # alter_policy: the policy's name
    signature: str = ""  # function_search_path: schema.name(argument types), for to_regprocedure

    @property
    def display(self) -> str:
        if self.pid is not None:
            return f"backend {self.pid}"
        if self.kind == "drop_replication_slot":
            return f"replication slot {self.name}"
        if self.kind == "alter_policy":
            return f'{self.schema}.{self.name} policy "{self.detail}"'
        if self.signature:
            return f"{self.schema}.{self.name}()"
        if not self.name:
            return "pg_stat_statements"
        return f"{self.schema}.{self.name}"


def parse(action: Action) -> Target:
    try:
        statements = parse_sql(action.sql)
    except ParseError as exc:
        raise ActionMismatch(f"its SQL does not parse ({exc})") from None
    if len(statements) != 1:
        raise ActionMismatch(f"its SQL holds {len(statements)} statements; an action runs exactly one")
    node = statements[0].stmt
    if action.kind in RELATION_KINDS:
        target = _relation_target(action.kind, node)
        if (target.schema, target.name) != (action.target_schema, action.target_name):
            raise ActionMismatch(f"its SQL acts on {target.schema}.{target.name}, not on its target "
                                 f"{action.target_schema}.{action.target_name}")
        if action.kind == "alter_policy" and target.detail != action.target_detail:
            raise ActionMismatch(f'its SQL alters the policy "{target.detail}", not "{action.target_detail}"')
        return target
    if action.kind == "function_search_path":
        target = _function_target(node)
        if (target.schema, target.name) != (action.target_schema, action.target_name):
            raise ActionMismatch(f"its SQL alters {target.schema}.{target.name}(), not {action.target_schema}."
                                 f"{action.target_name}()")
        return target
    if action.kind == "reset_statements":
        _function_call(node, "pg_stat_statements_reset")
        return Target(action.kind)
    if action.kind in BACKEND_FUNCTIONS:
        call = _function_call(node, BACKEND_FUNCTIONS[action.kind])
        args = call.args or ()
        if len(args) != 1 or not isinstance(args[0], ast.A_Const) or not isinstance(args[0].val, ast.Integer):
            raise ActionMismatch("a backend action takes exactly one pid")
        pid = args[0].val.ival
        if str(pid) != action.target_name:
            raise ActionMismatch(f"its SQL signals pid {pid}, not its target {action.target_name}")
        return Target(action.kind, pid=pid)
    if action.kind == "drop_replication_slot":
        args = _function_call(node, "pg_drop_replication_slot").args or ()
        if len(args) != 1 or not isinstance(args[0], ast.A_Const) or not isinstance(args[0].val, ast.String):
            raise ActionMismatch("a slot drop takes exactly one slot name")
        if args[0].val.sval != action.target_name:
            raise ActionMismatch(f"its SQL drops slot {args[0].val.sval}, not its target {action.target_name}")
        return Target(action.kind, name=action.target_name)
    raise ActionMismatch(f"pgpulse does not know how to run a {action.kind!r} action")


def _relation_target(kind: str, node) -> Target:
    if kind == "alter_policy":
        if not isinstance(node, ast.AlterPolicyStmt) or node.roles:
            raise ActionMismatch("its SQL is not an ALTER POLICY of its expressions")
        return Target(kind, *_qualified(node.table), detail=node.policy_name)
    if kind in RLS_KINDS:
        if not isinstance(node, ast.AlterTableStmt) or node.objtype != ObjectType.OBJECT_TABLE \
                or len(node.cmds or ()) != 1 or node.cmds[0].subtype != RLS_KINDS[kind]:
            raise ActionMismatch(f"its SQL is not exactly ALTER TABLE ... {KIND_WORDS[kind]}")
        return Target(kind, *_qualified(node.relation))
    if kind in OPTION_KINDS:
        return _option_target(kind, node)
    if kind in ("vacuum", "vacuum_analyze", "vacuum_full", "analyze"):
        if not isinstance(node, ast.VacuumStmt) or node.is_vacuumcmd != (kind != "analyze"):
            raise ActionMismatch(f"its SQL is not a {KIND_WORDS[kind]} statement")
        options = {o.defname for o in node.options or () if _option_on(o)}
        # VACUUM FULL takes an ACCESS EXCLUSIVE lock: only an action that says so (and whose dialog
        # spells the lock out) may run it, never one that claims to be a plain VACUUM.
        if ("full" in options) != (kind == "vacuum_full"):
            raise ActionMismatch(f"its SQL is not a {KIND_WORDS[kind]} statement"
                                 + (" (VACUUM FULL locks the table: only a VACUUM FULL action runs it)"
                                    if "full" in options else ""))
        if kind in ("vacuum", "vacuum_analyze") and ("analyze" in options) != (kind == "vacuum_analyze"):
            raise ActionMismatch(f"its SQL is not a {KIND_WORDS[kind]} statement")
        rels = node.rels or ()
        if len(rels) != 1:
            raise ActionMismatch("it must name exactly one table")
        return Target(kind, *_qualified(rels[0].relation))
    if kind == "reindex":
        if not isinstance(node, ast.ReindexStmt) or node.kind != ReindexObjectType.REINDEX_OBJECT_INDEX:
            raise ActionMismatch("its SQL is not a REINDEX INDEX statement")
        concurrently = any(p.defname == "concurrently" for p in node.params or ())
        return Target(kind, *_qualified(node.relation), concurrently=concurrently)
    if kind == "drop_index":
        if not isinstance(node, ast.DropStmt) or node.removeType != ObjectType.OBJECT_INDEX \
                or len(node.objects) != 1:
            raise ActionMismatch("its SQL is not a DROP INDEX of one index")
        names = [part.sval for part in node.objects[0]]
        if len(names) != 2:
            raise ActionMismatch("the index name must be schema-qualified")
        return Target(kind, names[0], names[1], concurrently=bool(node.concurrent))
    if kind == "create_index":
        if not isinstance(node, ast.IndexStmt) or not node.idxname:
            raise ActionMismatch("its SQL is not a CREATE INDEX with a name")
        schema, table = _qualified(node.relation)
        return Target(kind, schema, node.idxname, table_name=table, concurrently=bool(node.concurrent))
    if not isinstance(node, ast.RefreshMatViewStmt):
        raise ActionMismatch("its SQL is not a REFRESH MATERIALIZED VIEW statement")
    return Target(kind, *_qualified(node.relation), concurrently=bool(node.concurrent))


def _function_target(node) -> Target:
    """ALTER FUNCTION schema.name(types) SET search_path = ... | RESET search_path, and nothing else."""
    if not isinstance(node, ast.AlterFunctionStmt) or node.objtype != ObjectType.OBJECT_FUNCTION:
        raise ActionMismatch("its SQL is not an ALTER FUNCTION")
    actions = node.actions or ()
    setting = actions[0].arg if len(actions) == 1 and actions[0].defname == "set" else None
    if not isinstance(setting, ast.VariableSetStmt) or setting.name != "search_path" \
            or setting.kind not in (VariableSetKind.VAR_SET_VALUE, VariableSetKind.VAR_RESET):
        raise ActionMismatch("its SQL must only set or reset the function's search_path")
    names = [part.sval for part in node.func.objname]
    if len(names) != 2:
        raise ActionMismatch("the function's name must be schema-qualified")
    types = ", ".join(RawStream()(t) for t in node.func.objargs or ())
    signature = sql.SQL("{}.{}({})").format(sql.Identifier(names[0]), sql.Identifier(names[1]), sql.SQL(types))
    return Target("function_search_path", names[0], names[1], signature=signature.as_string(None))


def _option_target(kind: str, node) -> Target:
    subtype, name, value = OPTION_KINDS[kind]
    if not isinstance(node, ast.AlterTableStmt) or node.objtype != ObjectType.OBJECT_TABLE \
            or len(node.cmds or ()) != 1:
        raise ActionMismatch(f"its SQL is not one {KIND_WORDS[kind]}")
    cmd = node.cmds[0]
    options = cmd.def_ or ()
    if cmd.subtype != subtype or len(options) != 1 or options[0].defname != name or options[0].defnamespace:
        raise ActionMismatch(f"its SQL is not one {KIND_WORDS[kind]}")
    arg = options[0].arg
    given = None if arg is None else str(getattr(arg, "sval", getattr(arg, "boolval", arg))).lower()
    if given != value:
        raise ActionMismatch(f"its SQL is not one {KIND_WORDS[kind]}")
    return Target(kind, *_qualified(node.relation))


def _option_on(option) -> bool:
    """VACUUM (FULL false) is no FULL: an option counts unless its argument turns it off."""
    arg = option.arg
    if arg is None:
        return True
    value = getattr(arg, "boolval", None)
    if value is not None:
        return bool(getattr(value, "boolval", value))
    text = str(getattr(arg, "sval", getattr(arg, "ival", "on"))).lower()
    return text not in ("false", "off", "0", "no")


def _qualified(relation) -> tuple[str, str]:
    # An unqualified name would depend on search_path: the object acted on must be certain.
    if not relation.schemaname:
        raise ActionMismatch(f"the name {relation.relname} must be schema-qualified")
    return relation.schemaname, relation.relname


def _function_call(node, function: str):
    targets = getattr(node, "targetList", None) or ()
    if not isinstance(node, ast.SelectStmt) or len(targets) != 1 or node.fromClause or node.whereClause:
        raise ActionMismatch(f"its SQL is not a plain call of {function}()")
    call = targets[0].val
    if not isinstance(call, ast.FuncCall) or call.funcname[-1].sval != function:
        raise ActionMismatch(f"its SQL is not a plain call of {function}()")
    return call
