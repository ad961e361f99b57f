"""Row-level security policy checks: Supabase's four policy lints (each Finding carries its
`supabase_lint`) and pgpulse's own three (an unindexed column a policy filters on, a volatile function in
a policy, a permissive `true` policy that makes stricter ones pointless). One catalog query serves all of
them (lib.supabase.policies); the object is the schema-qualified table, the policy is named in the title
and the evidence. The lints that read Supabase Auth (auth_rls_initplan, rls_references_user_metadata) are
not applicable, and make no finding, without an `auth` schema."""

from __future__ import annotations

from lib.actions import builders
from lib.core.findings import CATALOG_TTL_S, CheckContext, Finding, Severity, check
from lib.core.fmt import fmt_count
from lib.core.rows import capped, more
from lib.supabase import api, lints, policies
from lib.supabase.policies import Policy

RLS_PAGE = "See the RLS policies page for every policy and its measured cost."


def found(ctx: CheckContext) -> list[Policy]:
    return ctx.memo("rls.policies", lambda: policies.read_policies(ctx.db))


def shape(ctx: CheckContext) -> api.SupabaseContext:
    return ctx.memo("supabase.api", lambda: api.read(ctx.db))


def applicable(ctx: CheckContext, lint: str) -> bool:
    return shape(ctx).missing(lints.LINTS[lint].needs) is None


def evidence(p: Policy, **more_evidence) -> dict:
    data = {"policy": p.name, "table": p.table_display, "command": p.command, "roles": p.role_list,
            "permissive": "permissive" if p.permissive else "restrictive"}
    if p.using_text is not None:
        data["using"] = p.using_text
    if p.check_text is not None:
        data["with_check"] = p.check_text
    return data | more_evidence


def _capped(ctx: CheckContext, check_id: str, severity: Severity, items: list, build, what: str) -> list[Finding]:
    return capped(items, ctx.thresholds.max_findings_per_check, build,
                  more(ctx, check_id, severity, what, RLS_PAGE))


def rewrite_action(p: Policy):
    """The ALTER POLICY that wraps the per-row calls, or (None, why not)."""
    done = p.rewrite
    if not done.changed:
        return None, done.problem
    return builders.alter_policy(p.schema, p.table, p.name, done.using, done.check), None


@check("supabase.auth_rls_initplan", "Policies re-evaluating auth functions per row", "supabase", ttl=CATALOG_TTL_S)
def auth_rls_initplan(ctx: CheckContext) -> list[Finding]:
    if not applicable(ctx, "auth_rls_initplan"):
        return []
    lint = lints.LINTS["auth_rls_initplan"]

    def build(p: Policy) -> Finding:
        calls = ", ".join(p.per_row_calls)
        action, why_not = rewrite_action(p)
        extra = {"per_row_calls": calls}
        if why_not:
            extra["rewrite"] = f"not offered: {why_not}"
        finding = Finding(
            "supabase.auth_rls_initplan", lint.severity, p.table_display,
            f'Policy "{p.name}" on {p.table_display} calls {calls} for every row', evidence(p, **extra),
            f"Wrap the call in a sub-select, e.g. (select auth.uid()) = user_id: PostgreSQL then evaluates it "
            f"once per statement (an InitPlan) instead of once for each of the table's "
            f"{fmt_count(p.table_rows)} rows. The rows visible do not change.", action)
        return lints.tag(finding, lint.name)

    return _capped(ctx, "supabase.auth_rls_initplan", lint.severity, policies.initplan(found(ctx)), build,
                   "policies calling auth functions per row")


@check("supabase.multiple_permissive_policies", "Several permissive policies for one role and action",
       "supabase", ttl=CATALOG_TTL_S)
def multiple_permissive_policies(ctx: CheckContext) -> list[Finding]:
    if not applicable(ctx, "multiple_permissive_policies"):
        return []
    lint = lints.LINTS["multiple_permissive_policies"]
    roles = ctx.memo("rls.roles", lambda: policies.read_roles(ctx.db))

    def build(o: policies.Overlap) -> Finding:
        names = ", ".join(f'"{n}"' for n in o.policies)
        finding = Finding(
            "supabase.multiple_permissive_policies", lint.severity, o.table_display,
            f"{o.table_display} has {len(o.policies)} permissive policies for {o.action} ({names})",
            {"table": o.table_display, "action": o.action, "policies": list(o.policies), "roles": ", ".join(o.roles)},
            "Every permissive policy is evaluated for every row the roles read or change: merge them into one "
            "policy per role and action, their conditions joined with OR.")
        return lints.tag(finding, lint.name)

    return _capped(ctx, "supabase.multiple_permissive_policies", lint.severity,
                   policies.multiple_permissive(found(ctx), roles), build, "overlapping permissive policies")


@check("supabase.rls_policy_always_true", "Write policies that are always true", "supabase", ttl=CATALOG_TTL_S)
def rls_policy_always_true(ctx: CheckContext) -> list[Finding]:
    if not applicable(ctx, "rls_policy_always_true"):
        return []
    lint = lints.LINTS["rls_policy_always_true"]

    def build(a: policies.AlwaysTrue) -> Finding:
        p = a.policy
        which = " and ".join(w for w, on in (("USING", a.using), ("WITH CHECK", a.check)) if on)
        finding = Finding(
            "supabase.rls_policy_always_true", lint.severity, p.table_display,
            f'Policy "{p.name}" on {p.table_display} lets {p.role_list} {p.command} any row ({which} always true)',
            evidence(p, always_true=which),
            "Row-level security does not limit these writes: write the condition that picks the rows each "
            "user may change, e.g. (select auth.uid()) = user_id.")
        return lints.tag(finding, lint.name)

    return _capped(ctx, "supabase.rls_policy_always_true", lint.severity, policies.always_true(found(ctx)), build,
                   "always-true policies")


@check("supabase.rls_references_user_metadata", "Policies trusting user_metadata", "supabase", ttl=CATALOG_TTL_S)
def rls_references_user_metadata(ctx: CheckContext) -> list[Finding]:
    if not applicable(ctx, "rls_references_user_metadata"):
        return []
    lint = lints.LINTS["rls_references_user_metadata"]

    def build(p: Policy) -> Finding:
        finding = Finding(
            "supabase.rls_references_user_metadata", lint.severity, p.table_display,
            f'Policy "{p.name}" on {p.table_display} reads user_metadata from the JWT', evidence(p),
            "Every signed-in user can edit their own user_metadata (supabase.auth.updateUser): a policy trusting "
            "it can be bypassed. Use app_metadata, which only the server sets, or a table users cannot write.")
        return lints.tag(finding, lint.name)

    return _capped(ctx, "supabase.rls_references_user_metadata", lint.severity, policies.user_metadata(found(ctx)),
                   build, "policies reading user_metadata")


# -- beyond Supabase's lints -------------------------------------------------------------------------------
@check("rls.unindexed_policy_column", "Policies filtering on a column no index serves", "supabase",
       ttl=CATALOG_TTL_S)
def unindexed_policy_column(ctx: CheckContext) -> list[Finding]:
    items = policies.unindexed_columns(found(ctx), ctx.thresholds.seq_scan_min_rows)

    def build(u: policies.Unindexed) -> Finding:
        p = u.policy
        names = ", ".join(f'"{n}"' for n in u.policies)
        return Finding(
            "rls.unindexed_policy_column", Severity.WARNING, p.table_display,
            f"{'Policy' if len(u.policies) == 1 else 'Policies'} {names} on {p.table_display} "
            f"filter{'s' if len(u.policies) == 1 else ''} on {u.column}, which no index serves",
            {"table": p.table_display, "policies": list(u.policies), "column": u.column, "rows": p.table_rows},
            f"Every read through this policy scans all {fmt_count(p.table_rows)} rows to find the user's own: an "
            f"index on {u.column} lets PostgreSQL go straight to them.",
            builders.create_index(p.schema, p.table, [u.column]))

    return _capped(ctx, "rls.unindexed_policy_column", Severity.WARNING, items, build,
                   "policy columns without an index")


@check("rls.volatile_policy_function", "Policies calling volatile functions", "supabase", ttl=CATALOG_TTL_S)
def volatile_policy_function(ctx: CheckContext) -> list[Finding]:
    def build(p: Policy) -> Finding:
        functions = ", ".join(p.volatile_functions)
        return Finding(
            "rls.volatile_policy_function", Severity.WARNING, p.table_display,
            f'Policy "{p.name}" on {p.table_display} calls {functions}, which is VOLATILE',
            evidence(p, functions=functions),
            "A VOLATILE function is called again for every row and keeps the planner from using an index or "
            "an InitPlan for it. If it only reads (the same answer within a statement), declare it STABLE "
            "(ALTER FUNCTION ... STABLE), and call it as (select f()).")

    return _capped(ctx, "rls.volatile_policy_function", Severity.WARNING, policies.volatile_calls(found(ctx)),
                   build, "policies calling volatile functions")


@check("rls.permissive_true_hides", "Permissive true policies hiding stricter ones", "supabase", ttl=CATALOG_TTL_S)
def permissive_true_hides(ctx: CheckContext) -> list[Finding]:
    def build(h: policies.Hidden) -> Finding:
        p = h.policy
        names = ", ".join(f'"{n}"' for n in h.stricter)
        return Finding(
            "rls.permissive_true_hides", Severity.WARNING, p.table_display,
            f'Policy "{p.name}" on {p.table_display} lets every row through for {h.action}: {names} '
            "change nothing", evidence(p, action=h.action, hidden=list(h.stricter)),
            "Permissive policies are joined with OR, so one that is always true makes the stricter ones "
            "pointless (and each is still evaluated). Drop the true one, or make it RESTRICTIVE, or narrow it "
            "to the roles meant to see every row.")

    return _capped(ctx, "rls.permissive_true_hides", Severity.WARNING, policies.hidden_by_true(found(ctx)), build,
                   "permissive true policies")


RLS_CHECKS = ("supabase.auth_rls_initplan", "supabase.multiple_permissive_policies", "supabase.rls_policy_always_true",
              "supabase.rls_references_user_metadata", "rls.unindexed_policy_column", "rls.volatile_policy_function",
              "rls.permissive_true_hides")


def collect(db) -> tuple[list[Policy], api.SupabaseContext, list[Finding], dict[str, str]]:
    """What the RLS page shows: every policy (one catalog query), the database's Supabase shape, and the
    policy checks' findings and errors, all from that one read."""
    ctx = CheckContext(db, db.thresholds)
    from lib.checks import run_checks  # the package imports this module: import it when called

    result = run_checks(ctx, only=[f"{c}" for c in RLS_CHECKS])
    return found(ctx), shape(ctx), [f for f in result.findings if f.check in RLS_CHECKS], result.errors


def issue_map(findings: list[Finding]) -> dict[str, list[str]]:
    """Policy.key() -> what is wrong with that policy (the lint's or the check's name)."""
    found: dict[str, list[str]] = {}
    for f in findings:
        names = [f.evidence["policy"]] if "policy" in f.evidence else list(f.evidence.get("policies", ()))
        for name in names:
            found.setdefault(Policy.key_of(f.object, name), []).append(
                f.supabase_lint or f.check.split(".", 1)[1])
    return found


def for_policy(findings: list[Finding], p: Policy) -> list[Finding]:
    """The findings about this policy (those naming it, or naming it among overlapping ones)."""
    return [f for f in findings if f.object == p.table_display and (
        f.evidence.get("policy") == p.name or p.name in f.evidence.get("policies", ()))]
