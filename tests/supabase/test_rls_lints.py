"""Supabase's four policy lints and pgpulse's three policy checks, on every test server, with hostile names:
each fires where Supabase's linter fires and stays quiet where it must not."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from lib.checks import run_checks
from lib.core.config import Thresholds
from lib.core.findings import CheckContext
from lib.supabase import shape
from tests.conftest import make_db

ODD_TABLE = 'my "notes"; DROP TABLE x; --'
ODD_POLICY = 'own rows "only"; --'


def execute(url: str, *statements) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def q(name: str) -> sql.Composable:
    return sql.Identifier(name)


def table(url: str, name: str, schema: str = "public", rls: bool = True) -> None:
    execute(url, sql.SQL("CREATE TABLE {}.{} (id bigint PRIMARY KEY, user_id uuid, team text, body text)")
            .format(q(schema), q(name)))
    if rls:
        execute(url, sql.SQL("ALTER TABLE {}.{} ENABLE ROW LEVEL SECURITY").format(q(schema), q(name)))


def policy(url: str, name: str, on: str, rest: str, schema: str = "public") -> None:
    execute(url, sql.SQL("CREATE POLICY {} ON {}.{} " + rest).format(q(name), q(schema), q(on)))


def findings(url: str, prefix: str, **thresholds) -> list:
    db = make_db(url)
    try:
        run = run_checks(CheckContext(db, Thresholds(**thresholds)), only=[prefix])
        assert not run.errors, run.errors
        return run.findings
    finally:
        db.close()


@pytest.fixture()
def supabase_url(fresh_url) -> str:
    shape.install(fresh_url)
    return fresh_url


def test_auth_rls_initplan_fires_on_direct_calls_only(supabase_url):
    url = supabase_url
    table(url, ODD_TABLE)
    policy(url, ODD_POLICY, ODD_TABLE, "FOR SELECT TO authenticated USING (auth.uid() = user_id)")
    policy(url, "wrapped", ODD_TABLE, "FOR UPDATE TO authenticated USING ((select auth.uid()) = user_id) "
                                      "WITH CHECK ((select auth.uid()) = user_id)")
    policy(url, "claims", ODD_TABLE, "FOR INSERT TO authenticated WITH CHECK "
                                     "(team = current_setting('request.jwt.claims', true)::json ->> 'team')")
    policy(url, "in a subquery", ODD_TABLE, "FOR DELETE USING (user_id IN (SELECT u.id FROM auth.users u "
                                            "WHERE u.id = auth.uid()))")
    table(url, "not_enabled", rls=False)  # RLS off: the policy does not run, no finding
    policy(url, "off", "not_enabled", "USING (auth.uid() = user_id)")
    execute(url, "CREATE SCHEMA storage")  # Supabase's own schema: left alone, as its linter does
    table(url, "objects", schema="storage")
    policy(url, "storage own", "objects", "USING (auth.uid() = user_id)", schema="storage")

    found = findings(url, "supabase.auth_rls_initplan")
    by_policy = {f.evidence["policy"]: f for f in found}
    assert set(by_policy) == {ODD_POLICY, "claims"}
    first = by_policy[ODD_POLICY]
    assert first.object == f"public.{ODD_TABLE}"
    assert ODD_POLICY in first.title and "auth.uid()" in first.title
    assert first.supabase_lint == "auth_rls_initplan"
    assert first.evidence["docs"].endswith("lint=0003_auth_rls_initplan")
    assert first.action is not None and first.action.kind == "alter_policy"
    assert first.action.sql == ('ALTER POLICY "own rows ""only""; --" ON "public"."my ""notes""; DROP TABLE x; --" '
                                "USING ((SELECT auth.uid()) = user_id)")
    assert "current_setting()" in by_policy["claims"].evidence["per_row_calls"]


def test_auth_lints_are_not_applicable_without_the_auth_schema(fresh_url):
    url = fresh_url
    table(url, "t")
    policy(url, "claims", "t", "USING (user_id::text = current_setting('request.jwt.claims', true)::json ->> 'sub')")
    policy(url, "meta", "t", "USING ((current_setting('request.jwt.claims', true)::jsonb -> 'user_metadata' "
                             "->> 'role') = 'admin')")
    assert findings(url, "supabase.auth_rls_initplan") == []
    assert findings(url, "supabase.rls_references_user_metadata") == []


def test_multiple_permissive_policies_counts_permissive_ones_per_role_and_action(supabase_url):
    url = supabase_url
    table(url, "shared docs")
    policy(url, "mine", "shared docs", "FOR SELECT TO authenticated USING ((select auth.uid()) = user_id)")
    policy(url, "team; read", "shared docs", "FOR ALL TO authenticated, anon USING (team = 'a')")
    table(url, "guarded")
    policy(url, "only one", "guarded", "FOR SELECT TO authenticated USING ((select auth.uid()) = user_id)")
    policy(url, "restrict", "guarded", "AS RESTRICTIVE FOR SELECT TO authenticated USING (team IS NOT NULL)")
    found = findings(url, "supabase.multiple_permissive_policies")
    assert [(f.object, f.evidence["action"], f.evidence["roles"]) for f in found] == [
        ("public.shared docs", "SELECT", "authenticated")]
    assert found[0].evidence["policies"] == ["mine", "team; read"]
    assert found[0].supabase_lint == "multiple_permissive_policies"


def test_rls_policy_always_true_on_writes_not_on_public_reads(supabase_url):
    url = supabase_url
    table(url, "open")
    policy(url, "anyone updates", "open", "FOR UPDATE TO authenticated USING (true)")
    policy(url, "anyone inserts", "open", "FOR INSERT TO anon WITH CHECK (true)")
    policy(url, "public read", "open", "FOR SELECT USING (true)")  # deliberate public read: no finding
    policy(url, "admins delete", "open", "AS RESTRICTIVE FOR DELETE TO authenticated USING (true)")
    policy(url, "checked", "open", "FOR UPDATE TO authenticated USING ((select auth.uid()) = user_id) "
                                   "WITH CHECK ((select auth.uid()) = user_id)")
    found = findings(url, "supabase.rls_policy_always_true")
    assert sorted(f.evidence["policy"] for f in found) == ["anyone inserts", "anyone updates"]
    updates = next(f for f in found if f.evidence["policy"] == "anyone updates")
    assert updates.evidence["always_true"] == "USING and WITH CHECK"  # no WITH CHECK: USING decides both
    assert updates.supabase_lint == "rls_policy_always_true"


def test_rls_references_user_metadata(supabase_url):
    url = supabase_url
    table(url, "admin only")
    policy(url, "meta admin", "admin only",
           "USING (((select auth.jwt()) -> 'user_metadata' ->> 'role') = 'admin')")
    policy(url, "app admin", "admin only", "USING ((auth.jwt() -> 'app_metadata' ->> 'role') = 'admin')")
    found = findings(url, "supabase.rls_references_user_metadata")
    assert [f.evidence["policy"] for f in found] == ["meta admin"]
    assert found[0].supabase_lint == "rls_references_user_metadata"
    assert found[0].evidence["docs"].endswith("lint=0015_rls_references_user_metadata")


def test_pgpulse_policy_checks(supabase_url):
    url = supabase_url
    table(url, "notes")
    execute(url, "INSERT INTO notes SELECT g, gen_random_uuid(), 't', 'x' FROM generate_series(1, 200) g",
            "ANALYZE notes",
            "CREATE FUNCTION public.\"is; admin\"() RETURNS boolean LANGUAGE sql VOLATILE AS 'SELECT false'")
    policy(url, "own", "notes", "FOR SELECT TO authenticated USING ((select auth.uid()) = user_id)")
    policy(url, "everyone", "notes", "FOR SELECT TO authenticated USING (true)")
    policy(url, "admin", "notes", 'FOR UPDATE TO authenticated USING (public."is; admin"())')
    policy(url, "own; change", "notes", "FOR DELETE TO authenticated USING (user_id = (select auth.uid()))")
    table(url, "indexed")
    execute(url, "INSERT INTO indexed SELECT g, gen_random_uuid() FROM generate_series(1, 200) g",
            "ANALYZE indexed", "CREATE INDEX ON indexed (user_id)")
    policy(url, "own", "indexed", "USING (user_id = (select auth.uid()))")

    unindexed = findings(url, "rls.unindexed_policy_column", seq_scan_min_rows=100)
    # one finding per table and column: one index serves both policies
    assert [(f.object, f.evidence["column"], f.evidence["policies"]) for f in unindexed] == [
        ("public.notes", "user_id", ["own", "own; change"])]
    assert unindexed[0].action.sql == 'CREATE INDEX CONCURRENTLY "notes_user_id_idx" ON "public"."notes" ("user_id")'
    assert findings(url, "rls.unindexed_policy_column") == []  # 200 rows: below the default size that matters

    volatile = findings(url, "rls.volatile_policy_function")
    assert [f.evidence["policy"] for f in volatile] == ["admin"]
    assert volatile[0].evidence["functions"] == 'public."is; admin"()'

    hidden = findings(url, "rls.permissive_true_hides")
    assert [(f.evidence["policy"], f.evidence["action"], f.evidence["hidden"]) for f in hidden] == [
        ("everyone", "SELECT", ["own"])]
