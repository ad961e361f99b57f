"""Row-level security policies, read in one catalog query (queries/rls_policies.sql), and what is wrong
with them: Supabase's four policy lints and pgpulse's own three.

    found = read_policies(db)                      # every policy of the database, expressions parsed
    initplan(found), multiple_permissive(found, roles), always_true(found), user_metadata(found)
    unindexed_columns(found), volatile_calls(found), hidden_by_true(found)

Each returns plain records the checks (lib/checks/rls.py) turn into Findings and the RLS page lists.
Supabase's linter leaves its own schemas alone (lib.supabase.lints.SUPABASE_SCHEMAS): so do these.
What each lint fires on follows Supabase's database linter:
- auth_rls_initplan: a policy of a table with RLS on calls auth.uid()/jwt()/role()/email() or
  current_setting() directly (not inside a sub-select such as `(select auth.uid())`);
- multiple_permissive_policies: two or more permissive policies of a table apply to the same role and
  action (an ALL policy counts for each action; a policy TO PUBLIC for every role but pg_* roles, the
  Supabase admin roles and roles that bypass RLS; restrictive policies never count);
- rls_policy_always_true: a permissive policy of a table with RLS on, for anon, authenticated or PUBLIC,
  whose USING is always true (or missing) for UPDATE, DELETE or ALL, or whose WITH CHECK is always true,
  or missing for INSERT, or missing for UPDATE/ALL when USING is always true. SELECT ... USING (true) is
  a deliberate public read and does not fire;
- rls_references_user_metadata: a policy reads user_metadata out of the JWT's claims.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from lib.supabase import policy_rewrite as expr
from lib.supabase.lints import SUPABASE_SCHEMAS

ACTIONS = ("SELECT", "INSERT", "UPDATE", "DELETE")
API_ROLES = ("anon", "authenticated")


@lru_cache(maxsize=50_000)
def parsed(text: str | None) -> expr.Expression:
    """Parsed once per distinct text: thousands of policies often share a handful of expressions."""
    return expr.parse_expression(text)


@dataclass(frozen=True)
class Facts:
    """What the lints want to know of one expression, worked out once per distinct text."""

    calls: tuple[str, ...]  # session functions called per row
    user_metadata: bool
    always_true: bool
    columns: tuple[str, ...]  # compared with the user's id or a claim


@lru_cache(maxsize=50_000)
def facts(text: str | None) -> Facts:
    e = parsed(text)
    return Facts(tuple(expr.per_row_calls(e)), expr.reads_user_metadata(e), expr.always_true(e),
                 tuple(expr.compared_columns(e)))


@lru_cache(maxsize=10_000)
def rewritten(using_text: str | None, check_text: str | None) -> expr.Rewrite:
    """The policy's rewrite (lib.supabase.policy_rewrite.rewrite), once per distinct pair of texts."""
    return expr.rewrite(parsed(using_text), parsed(check_text))


@dataclass(frozen=True)
class Policy:
    oid: int
    schema: str
    table: str
    table_oid: int
    relkind: str
    name: str
    permissive: bool
    command: str  # SELECT, INSERT, UPDATE, DELETE or ALL
    to_public: bool
    roles: tuple[str, ...]
    using_text: str | None
    check_text: str | None
    rls_enabled: bool
    rls_forced: bool
    owner: str
    table_rows: int
    indexed_columns: frozenset[str] = field(default_factory=frozenset)
    volatile_functions: tuple[str, ...] = ()

    @property
    def table_display(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def using(self) -> expr.Expression:
        return parsed(self.using_text)

    @property
    def check(self) -> expr.Expression:
        return parsed(self.check_text)

    @property
    def role_list(self) -> str:
        return "PUBLIC" if self.to_public else ", ".join(self.roles) or "no role"

    @property
    def actions(self) -> tuple[str, ...]:
        return ACTIONS if self.command == "ALL" else (self.command,)

    @property
    def in_scope(self) -> bool:
        """Where Supabase's linter looks: not in Supabase's (or PostgreSQL's) own schemas."""
        return self.schema not in SUPABASE_SCHEMAS

    @property
    def per_row_calls(self) -> list[str]:
        return list(dict.fromkeys([*facts(self.using_text).calls, *facts(self.check_text).calls]))

    @property
    def rewrite(self) -> expr.Rewrite:
        return rewritten(self.using_text, self.check_text)

    @property
    def unreadable(self) -> str | None:
        """Why pgpulse cannot read one of its expressions, or None."""
        for label, e in (("USING", self.using), ("WITH CHECK", self.check)):
            if e.text is not None and not e.readable:
                return f"its {label} expression: {e.problem}"
        return None

    def key(self) -> str:
        return self.key_of(self.table_display, self.name)

    @staticmethod
    def key_of(table_display: str, name: str) -> str:
        """The table as findings name it (their object) and the policy's name."""
        return f"{table_display}\x1f{name}"


def from_row(row: dict) -> Policy:
    return Policy(int(row["policy_oid"]), row["schema"], row["table_name"], int(row["table_oid"]), row["relkind"],
                  row["policy"], bool(row["permissive"]), row["command"], bool(row["to_public"]),
                  tuple(row["roles"] or ()), row["using_expr"], row["check_expr"], bool(row["rls_enabled"]),
                  bool(row["rls_forced"]), row["owner"], max(int(row["table_rows"] or 0), 0),
                  frozenset(row["indexed_columns"] or ()), tuple(row["volatile_functions"] or ()))


def read_policies(db) -> list[Policy]:
    """Every policy of the database (db: lib.core.db.Database), in schema, table, name order."""
    return [from_row(r) for r in db.rows("rls_policies")]


def read_roles(db) -> list[str]:
    """The roles a policy TO PUBLIC counts for in multiple_permissive_policies."""
    return [r["rolname"] for r in db.rows("rls_roles")]


# -- Supabase's lints ---------------------------------------------------------------------------------
def initplan(policies: list[Policy]) -> list[Policy]:
    return [p for p in policies if p.in_scope and p.rls_enabled and p.per_row_calls]


def user_metadata(policies: list[Policy]) -> list[Policy]:
    return [p for p in policies if p.in_scope
            and (facts(p.using_text).user_metadata or facts(p.check_text).user_metadata)]


@dataclass(frozen=True)
class Overlap:
    """Permissive policies of one table that all apply to these roles for this action."""

    schema: str
    table: str
    action: str
    policies: tuple[str, ...]
    roles: tuple[str, ...]

    @property
    def table_display(self) -> str:
        return f"{self.schema}.{self.table}"


def multiple_permissive(policies: list[Policy], roles: list[str]) -> list[Overlap]:
    """One record per table, action and set of policies, with the roles they overlap for."""
    groups: dict[tuple[str, str, str, str], list[str]] = {}
    for p in policies:
        if not p.permissive or p.relkind != "r" or not p.in_scope:
            continue
        for role in (roles if p.to_public else [r for r in p.roles if r in set(roles)]):
            for action in p.actions:
                groups.setdefault((p.schema, p.table, role, action), []).append(p.name)
    merged: dict[tuple[str, str, str, tuple[str, ...]], list[str]] = {}
    for (schema, table, role, action), names in groups.items():
        if len(names) > 1:
            merged.setdefault((schema, table, action, tuple(sorted(names))), []).append(role)
    return [Overlap(schema, table, action, names, tuple(sorted(found)))
            for (schema, table, action, names), found in sorted(merged.items(), key=lambda kv: (
                kv[0][0], kv[0][1], ACTIONS.index(kv[0][2]), kv[0][3]))]


@dataclass(frozen=True)
class AlwaysTrue:
    policy: Policy
    using: bool  # its USING lets every row through
    check: bool  # its WITH CHECK accepts every row


def always_true(policies: list[Policy]) -> list[AlwaysTrue]:
    found = []
    for p in policies:
        if not (p.in_scope and p.rls_enabled and p.permissive and p.relkind == "r"):
            continue
        if not (p.to_public or set(p.roles) & set(API_ROLES)):
            continue
        using_true = facts(p.using_text).always_true
        using = p.command in ("UPDATE", "DELETE", "ALL") and (using_true or p.using_text is None)
        check = facts(p.check_text).always_true or (p.check_text is None and (
            p.command == "INSERT" or (p.command in ("UPDATE", "ALL") and using_true)))
        if using or check:
            found.append(AlwaysTrue(p, using, check))
    return found


# -- pgpulse's own --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Unindexed:
    policy: Policy  # the first policy filtering on it
    column: str
    policies: tuple[str, ...]  # every policy of the table filtering on it


def unindexed_columns(policies: list[Policy], min_rows: int = 0) -> list[Unindexed]:
    """Policies compare a column with the user's id or a claim, and no index starts with that column:
    one record per table and column (one index serves them all)."""
    found: dict[tuple[int, str], list[Policy]] = {}
    for p in policies:
        if not (p.in_scope and p.rls_enabled) or p.table_rows < min_rows or p.relkind not in ("r", "p"):
            continue
        columns = dict.fromkeys([*facts(p.using_text).columns, *facts(p.check_text).columns])
        for c in columns:
            if c not in p.indexed_columns:
                found.setdefault((p.table_oid, c), []).append(p)
    return [Unindexed(ps[0], column, tuple(p.name for p in ps)) for (_, column), ps in found.items()]


def volatile_calls(policies: list[Policy]) -> list[Policy]:
    """Policies calling a function that is neither STABLE nor IMMUTABLE: evaluated for every row, never
    folded into an InitPlan, and an index cannot be used with it."""
    return [p for p in policies if p.in_scope and p.rls_enabled and p.volatile_functions]


@dataclass(frozen=True)
class Hidden:
    policy: Policy  # the permissive policy that lets every row through
    action: str
    stricter: tuple[str, ...]  # the permissive policies it makes pointless for that action


def hidden_by_true(policies: list[Policy]) -> list[Hidden]:
    """A permissive policy whose USING is always true makes every other permissive policy of the same
    table, action and roles pointless: permissive policies are joined with OR."""
    by_table: dict[tuple[str, str], list[Policy]] = {}
    for p in policies:
        if p.in_scope and p.rls_enabled and p.permissive:
            by_table.setdefault((p.schema, p.table), []).append(p)
    found = []
    for group in by_table.values():
        for wide in group:
            if not facts(wide.using_text).always_true:
                continue
            for action in wide.actions:
                if action == "INSERT":
                    continue  # INSERT has no USING
                stricter = tuple(o.name for o in group if o is not wide and action in o.actions
                                 and (wide.to_public or (not o.to_public and set(o.roles) <= set(wide.roles)))
                                 and o.using_text is not None and not facts(o.using_text).always_true)
                if stricter:
                    found.append(Hidden(wide, action, stricter))
    return found


def frame_rows(policies: list[Policy], issues: dict[str, list[str]]) -> list[dict]:
    """The policy list's rows; `issues` maps Policy.key() to the names of what is wrong with it."""
    return [{"table": p.table_display, "policy": p.name, "command": p.command, "roles": p.role_list,
             "kind": "permissive" if p.permissive else "restrictive", "RLS": "on" if p.rls_enabled else "off",
             "rows": p.table_rows, "issues": ", ".join(issues.get(p.key(), [])),
             "USING": p.using_text or "", "WITH CHECK": p.check_text or ""} for p in policies]


def label(p: Policy) -> str:
    return f'{p.table_display} · "{p.name}" ({p.command})'
