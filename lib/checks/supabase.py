"""Supabase's security lints (lib/supabase/lints.py), one check each: `supabase.<lint>`.

Each runs its own query (queries/supabase_<lint>.sql) and makes ordinary Findings that carry the lint's
name and docs link. A lint that needs Supabase's auth schema, the API roles or the list of schemas the
API serves makes no finding on a database without them (the Advisors page says why it does not apply).
Supabase's performance lints are answered by pgpulse's own checks (indexes.fk_missing, indexes.unused,
indexes.redundant, schema.no_primary_key, tables.bloat), which tag their findings.

Each finding carries the SQL that fixes it (evidence `fix_sql`) to review and run. Two carry a confirmed,
undoable one-click action (lib.actions.builders): ENABLE ROW LEVEL SECURITY for a table whose policies
do nothing (policy_exists_rls_disabled), and SET search_path = '' for a function without one. The rest
do not: grants and RLS on a table with no policy decide who reaches which data, and a change there can
lock the application out as easily as it locks an attacker out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from psycopg import sql

from lib.actions import builders
from lib.core import rows as rowlib
from lib.core.findings import CATALOG_TTL_S, Action, CheckContext, Finding, check
from lib.core.rows import capped
from lib.core.sqlcompose import render
from lib.supabase import api
from lib.supabase.lints import LINTS, SENSITIVE_NAMES, SUPABASE_SCHEMAS, tag

ADVISORS_PAGE = "See the Advisors page for the rest."


def context(ctx: CheckContext) -> api.SupabaseContext:
    return ctx.memo("supabase.context", lambda: api.read(ctx.db))


def _trusted(text: str) -> sql.SQL:
    """A name the server quoted itself (quote_ident, pg_get_function_identity_arguments)."""
    return sql.SQL(text)


def _table(r: dict) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(r["schema"]), sql.Identifier(r["name"]))


def _enable_rls(r: dict) -> str:
    return render(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(_table(r)))


def _revoke_select(r: dict) -> str:
    return render(sql.SQL("REVOKE SELECT ON {} FROM anon, authenticated").format(_table(r)))


def _revoke_execute(role: str) -> Callable[[dict], str]:
    def fix(r: dict) -> str:
        grantees = sql.SQL("PUBLIC, {}") if r["public_execute"] else sql.SQL("{}")
        return render(sql.SQL("REVOKE EXECUTE ON FUNCTION {} FROM ").format(_trusted(r["display"]))
                      + grantees.format(sql.Identifier(role)))
    return fix


def _extension_schema(r: dict) -> str:
    if not r["relocatable"]:
        return render(sql.SQL("DROP EXTENSION {0}; CREATE EXTENSION {0} SCHEMA extensions").format(
            sql.Identifier(r["name"])))
    return render(sql.SQL("ALTER EXTENSION {} SET SCHEMA extensions").format(sql.Identifier(r["name"])))


def _names(values) -> str:
    return ", ".join(values or ()) or "nobody"


@dataclass(frozen=True)
class Spec:
    lint: str
    title: Callable[[dict], str]
    evidence: tuple[str, ...] = ()
    fix: Callable[[dict], str] | None = None
    params: dict = field(default_factory=dict)
    query: str = ""  # queries/<query>.sql
    action: Callable[[dict], Action | None] | None = None


SPECS = [
    Spec("rls_disabled_in_public",
         lambda r: f"{r['display']} is served by the API with row-level security off",
         ("writable_by", "rows"), _enable_rls,
         query="supabase_rls_disabled_in_public"),
    Spec("sensitive_columns_exposed",
         lambda r: f"{r['display']} serves {', '.join(r['columns'])} through the API without row-level security",
         ("columns",), _enable_rls,
         query="supabase_sensitive_columns_exposed"),
    Spec("policy_exists_rls_disabled",
         lambda r: f"{r['display']} has policies ({', '.join(r['policies'])}) but row-level security is off",
         ("policies",), _enable_rls,
         query="supabase_policy_exists_rls_disabled",
         action=lambda r: builders.enable_rls(r["schema"], r["name"])),
    Spec("rls_enabled_no_policy",
         lambda r: f"{r['display']} has row-level security on and no policy", ("forced",),
         query="supabase_rls_enabled_no_policy"),
    Spec("security_definer_view",
         lambda r: f"View {r['display']} runs with its owner's rights ({r['owner']}) for the API roles",
         ("owner",),
         lambda r: render(sql.SQL("ALTER VIEW {} SET (security_invoker = on)").format(_table(r))),
         query="supabase_security_definer_view"),
    Spec("auth_users_exposed",
         lambda r: f"{r['kind'].capitalize()} {r['display']} exposes auth.users to {_names(r['exposed_to'])}",
         ("kind", "exposed_to"), _revoke_select,
         query="supabase_auth_users_exposed"),
    Spec("function_search_path_mutable",
         lambda r: f"Function {r['display']} has no search_path of its own",
         ("security_definer", "language"),
         lambda r: render(sql.SQL("ALTER ROUTINE {} SET search_path = ''").format(_trusted(r["display"]))),
         query="supabase_function_search_path_mutable",
         action=lambda r: (builders.function_search_path(r["schema"], r["name"], r["arguments"])
                           if r["kind"] in ("f", "w") else None)),
    Spec("extension_in_public",
         lambda r: f"Extension {r['name']} is installed in the public schema", ("version", "relocatable"),
         _extension_schema,
         query="supabase_extension_in_public"),
    Spec("materialized_view_in_api",
         lambda r: f"Materialized view {r['display']} is readable through the API by {_names(r['exposed_to'])}",
         ("exposed_to",), _revoke_select,
         query="supabase_materialized_view_in_api"),
    Spec("foreign_table_in_api",
         lambda r: f"Foreign table {r['display']} is readable through the API by {_names(r['exposed_to'])}",
         ("server", "exposed_to"), _revoke_select,
         query="supabase_foreign_table_in_api"),
    Spec("unsupported_reg_types",
         lambda r: f"Column {r['display']} is of type {r['type']}, which pg_upgrade refuses",
         ("table_display", "column_name", "type"),
         lambda r: render(sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE text USING {}::text").format(
             _table(r), sql.Identifier(r["column_name"]), sql.Identifier(r["column_name"]))),
         query="supabase_unsupported_reg_types"),
    Spec("fkey_to_auth_unique",
         lambda r: (f"Foreign key {r['display']} on {r['table_display']} references {r['references']} "
                    f"({', '.join(r['referenced_columns'])}), a unique key that is not the primary key"),
         ("table_display", "references", "referenced_columns", "referenced_index"),
         query="supabase_fkey_to_auth_unique"),
    Spec("extension_versions_outdated",
         lambda r: (f"Extension {r['name']} is at version {r['installed_version']}; the server offers "
                    f"{r['default_version']}"),
         ("installed_version", "default_version"),
         lambda r: render(sql.SQL("ALTER EXTENSION {} UPDATE").format(sql.Identifier(r["name"]))),
         query="supabase_extension_versions_outdated"),
    Spec("anon_security_definer_function_executable",
         lambda r: f"SECURITY DEFINER function {r['display']} can be called by anon through the API",
         ("owner", "language", "public_execute"), _revoke_execute("anon"), {"role": "anon"},
         query="supabase_security_definer_function_executable"),
    Spec("authenticated_security_definer_function_executable",
         lambda r: f"SECURITY DEFINER function {r['display']} can be called by any signed-in user through the API",
         ("owner", "language", "public_execute"), _revoke_execute("authenticated"), {"role": "authenticated"},
         query="supabase_security_definer_function_executable"),
]


def check_id(lint: str) -> str:
    return f"supabase.{lint}"


def run_spec(ctx: CheckContext, spec: Spec) -> list[Finding]:
    lint = LINTS[spec.lint]
    found = context(ctx)
    if found.missing(lint.needs):
        return []  # not applicable here: the Advisors page says why
    limit = ctx.thresholds.max_findings_per_check
    params = {"exposed": list(found.exposed or ()), "supabase_schemas": list(SUPABASE_SCHEMAS),
              "sensitive_names": list(SENSITIVE_NAMES), "limit": limit + 1, **spec.params}
    rows, total = rowlib.limited(ctx.db.frame(spec.query, params))
    cid = check_id(lint.name)

    def build(r: dict) -> Finding:
        evidence = {key: r[key] for key in spec.evidence}
        if spec.fix:
            evidence["fix_sql"] = spec.fix(r)
        action = spec.action(r) if spec.action else None
        return tag(Finding(cid, lint.severity, r["display"], spec.title(r), evidence, lint.remediation, action),
                   lint.name)

    def more(count: int) -> Finding:
        return tag(rowlib.more(ctx, cid, lint.severity, f"objects for {lint.title.lower()}", ADVISORS_PAGE)(count),
                   lint.name)

    return capped(rows, limit, build, more, total)


def _register(spec: Spec) -> None:
    lint = LINTS[spec.lint]

    @check(check_id(lint.name), lint.title, "security", ttl=CATALOG_TTL_S)
    def run(ctx: CheckContext) -> list[Finding]:
        return run_spec(ctx, spec)


for _spec in SPECS:
    _register(_spec)
