"""Supabase's security lints on a Supabase-shaped database, on every test server: for each lint what
must fire (hostile names included) and what must not (other schemas, Supabase's own, extensions',
revoked objects, security_invoker views, fixed search_path, ...)."""

from __future__ import annotations

import json
import subprocess
import sys

import psycopg
import pytest

from lib.checks import run_checks
from lib.core.findings import CheckContext, Severity
from lib.supabase import shape
from lib.supabase.lints import LINTS
from tests import servers
from tests.conftest import REPO, make_db

API_SCHEMA = "my api; schema"  # exposed, hostile
PLANT = """
CREATE EXTENSION IF NOT EXISTS pgstattuple WITH SCHEMA extensions VERSION '1.4';
CREATE SCHEMA private;
CREATE SCHEMA "my api; schema";
GRANT USAGE ON SCHEMA private, "my api; schema" TO anon, authenticated;

-- tables (public's default privileges give the API roles every table made there)
CREATE TABLE public."Open table; --" (id int PRIMARY KEY, "API-Key" text, note text);
CREATE TABLE public.locked (id int PRIMARY KEY, password text);
ALTER TABLE public.locked ENABLE ROW LEVEL SECURITY;
CREATE POLICY "read all" ON public.locked FOR SELECT TO authenticated USING (true);
CREATE TABLE public.revoked (id int PRIMARY KEY, password text);
REVOKE ALL ON public.revoked FROM anon, authenticated;
CREATE TABLE "my api; schema"."x y" (id int PRIMARY KEY, ssn text);
GRANT SELECT ON "my api; schema"."x y" TO anon;
CREATE TABLE private.open (id int PRIMARY KEY, password text);
GRANT SELECT ON private.open TO anon, authenticated;
CREATE TABLE private."pol""icy" (id int PRIMARY KEY);
CREATE POLICY p1 ON private."pol""icy" USING (true);
CREATE TABLE private.nopol (id int PRIMARY KEY);
ALTER TABLE private.nopol ENABLE ROW LEVEL SECURITY;
CREATE TABLE private.regs (id int PRIMARY KEY, handler regproc, rel regclass);

-- views
CREATE VIEW public."v; definer" AS SELECT id FROM public.locked;
CREATE VIEW public.v_invoker WITH (security_invoker = on) AS SELECT id FROM public.locked;
CREATE VIEW public.v_revoked AS SELECT id FROM public.locked;
REVOKE ALL ON public.v_revoked FROM anon, authenticated;
CREATE VIEW private.v AS SELECT id FROM public.locked;
GRANT SELECT ON private.v TO anon;
CREATE VIEW public.user_emails AS SELECT id, email FROM auth.users;
CREATE VIEW public.user_emails_revoked AS SELECT id, email FROM auth.users;
REVOKE ALL ON public.user_emails_revoked FROM anon, authenticated;
CREATE MATERIALIZED VIEW public.mv AS SELECT 1 AS n;
CREATE MATERIALIZED VIEW public.mv_revoked AS SELECT 1 AS n;
REVOKE ALL ON public.mv_revoked FROM anon, authenticated;
CREATE MATERIALIZED VIEW private.mv AS SELECT 1 AS n;
GRANT SELECT ON private.mv TO anon;

-- a foreign table (a wrapper without handler: enough for the catalog)
CREATE FOREIGN DATA WRAPPER lint_fdw;
CREATE SERVER lint_server FOREIGN DATA WRAPPER lint_fdw;
CREATE FOREIGN TABLE public."far; away" (id int) SERVER lint_server;
CREATE FOREIGN TABLE private.far (id int) SERVER lint_server;
GRANT SELECT ON private.far TO anon;

-- foreign keys to auth.users
CREATE TABLE public.by_phone (id int PRIMARY KEY, phone text REFERENCES auth.users (phone));
CREATE TABLE public.by_id (id int PRIMARY KEY, user_id uuid REFERENCES auth.users (id));

-- functions
CREATE FUNCTION public."f; x"(a int) RETURNS int LANGUAGE sql AS 'SELECT a';
CREATE FUNCTION public.fixed() RETURNS int LANGUAGE sql SET search_path = '' AS 'SELECT 1';
CREATE FUNCTION public."rpc; drop"() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS 'SELECT 1';
CREATE FUNCTION public.auth_only() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS 'SELECT 1';
REVOKE EXECUTE ON FUNCTION public.auth_only() FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION public.auth_only() TO authenticated;
CREATE FUNCTION public.invoker() RETURNS int LANGUAGE sql SET search_path = '' AS 'SELECT 1';
CREATE FUNCTION public.trig() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
    AS 'BEGIN RETURN NEW; END';
-- performance: pgpulse's own checks answer these, in Supabase's scope only
CREATE TABLE public."no key; here" (n int);
CREATE TABLE auth.no_key (n int);
CREATE TABLE public.dups (id int PRIMARY KEY, a int, b int);
CREATE INDEX "dup one" ON public.dups (a);
CREATE INDEX "dup two" ON public.dups (a);
CREATE INDEX dups_a_b ON public.dups (a, b);
CREATE TABLE auth.dups (id int PRIMARY KEY, a int);
CREATE INDEX auth_dup_1 ON auth.dups (a);
CREATE INDEX auth_dup_2 ON auth.dups (a);
-- Supabase's own schema graphql_public is exposed, yet Supabase's objects there are not linted
CREATE SCHEMA IF NOT EXISTS graphql_public;
GRANT USAGE ON SCHEMA graphql_public TO anon, authenticated;
CREATE FUNCTION graphql_public.graphql() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
CREATE VIEW graphql_public.v AS SELECT 1 AS n;
GRANT SELECT ON graphql_public.v TO anon;
CREATE TABLE graphql_public.t (id int PRIMARY KEY, password text);
GRANT SELECT ON graphql_public.t TO anon;
CREATE FUNCTION private.secdef() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS 'SELECT 1';
"""

EXPECTED = {
    "rls_disabled_in_public": {'public."Open table; --"', '"my api; schema"."x y"', "public.by_phone",
                               "public.by_id", 'public."no key; here"', "public.dups"},
    "sensitive_columns_exposed": {'public."Open table; --"', '"my api; schema"."x y"'},
    "policy_exists_rls_disabled": {'private."pol""icy"'},
    "rls_enabled_no_policy": {"private.nopol"},
    "security_definer_view": {'public."v; definer"', "public.user_emails"},
    "auth_users_exposed": {"public.user_emails"},
    "function_search_path_mutable": {'public."f; x"(a integer)'},
    "extension_in_public": {"public.pg_stat_statements"},
    "materialized_view_in_api": {"public.mv"},
    "foreign_table_in_api": {'public."far; away"'},
    "unsupported_reg_types": {"private.regs.handler"},
    "fkey_to_auth_unique": {"public.by_phone_phone_fkey"},
    "extension_versions_outdated": {"extensions.pgstattuple"},
    "anon_security_definer_function_executable": {'public."rpc; drop"()'},
    "authenticated_security_definer_function_executable": {'public."rpc; drop"()', "public.auth_only()"},
}


@pytest.fixture(scope="module")
def shaped(pg):
    url = servers.create_database(pg, prefix="sb")
    shape.install(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(PLANT)
        conn.execute(psycopg.sql.SQL("ALTER ROLE authenticator IN DATABASE {} SET pgrst.db_schemas = {}").format(
            psycopg.sql.Identifier(conn.info.dbname), psycopg.sql.Literal(f"public, {API_SCHEMA}, graphql_public")))
    return url


@pytest.fixture(scope="module")
def findings(shaped):
    db = make_db(shaped)
    try:
        run = run_checks(CheckContext(db, db.thresholds), ["supabase."])
    finally:
        db.close()
    assert not run.errors, run.errors
    return run.findings


@pytest.mark.parametrize("lint", sorted(EXPECTED))
def test_each_lint_fires_exactly_where_supabase_would(findings, lint):
    mine = [f for f in findings if f.check == f"supabase.{lint}"]
    assert {f.object for f in mine} == EXPECTED[lint]
    for f in mine:
        assert f.supabase_lint == lint
        assert f.evidence["docs"] == f"https://supabase.com/docs/guides/database/database-linter?lint={LINTS[lint].code}"
        assert f.severity == {"ERROR": Severity.WARNING, "WARN": Severity.WARNING, "INFO": Severity.INFO}[
            LINTS[lint].level]
        assert f.evidence["supabase_level"] == LINTS[lint].level
        assert f.recommendation


def test_cli_check_json_lists_the_lints(shaped):
    done = subprocess.run([sys.executable, "-m", "lib", "check", "--dsn", shaped, "--json", "--only", "supabase"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    data = json.loads(done.stdout)
    lints = {f["supabase_lint"] for f in data["findings"]}
    assert set(EXPECTED) <= lints
    assert all(f["supabase_lint"] for f in data["findings"])
    one = next(f for f in data["findings"] if f["supabase_lint"] == "extension_versions_outdated")
    assert one["object"] == "extensions.pgstattuple" and one["evidence"]["installed_version"] == "1.4"
    assert one["evidence"]["docs"].endswith("?lint=0022_extension_versions_outdated")


def test_two_lints_offer_undoable_actions_that_fix_them(shaped, findings, tmp_path):
    from lib.core.store import Store
    from lib.maintenance import runner

    by_object = {(f.check, f.object): f for f in findings}
    enable = by_object[("supabase.policy_exists_rls_disabled", 'private."pol""icy"')].action
    search_path = by_object[("supabase.function_search_path_mutable", 'public."f; x"(a integer)')].action
    assert enable.kind == "enable_rls" and enable.sql == 'ALTER TABLE "private"."pol""icy" ENABLE ROW LEVEL SECURITY'
    assert search_path.kind == "function_search_path"
    assert not [f for f in findings if f.check == "supabase.rls_disabled_in_public" and f.action]
    store = Store(tmp_path / "audit.db")
    db = make_db(shaped, actions_enabled=True)
    try:
        assert runner.execute(db, enable, store, runner.Actor(app_user="t"), typed_name='pol"icy').state == "done"
        assert runner.execute(db, search_path, store, runner.Actor(app_user="t")).state == "done"
        after = {(f.check, f.object) for f in run_checks(CheckContext(db, db.thresholds), ["supabase."]).findings}
    finally:
        db.close()
        store.close()
    assert ("supabase.policy_exists_rls_disabled", 'private."pol""icy"') not in after
    assert ("supabase.function_search_path_mutable", 'public."f; x"(a integer)') not in after


def test_fix_sql_names_the_hostile_object_exactly(shaped, findings):
    fixes = {(f.check, f.object): f.evidence.get("fix_sql") for f in findings}
    assert fixes[("supabase.rls_disabled_in_public", '"my api; schema"."x y"')] == \
        'ALTER TABLE "my api; schema"."x y" ENABLE ROW LEVEL SECURITY'
    assert fixes[("supabase.function_search_path_mutable", 'public."f; x"(a integer)')] == \
        'ALTER ROUTINE public."f; x"(a integer) SET search_path = \'\''
    findings_fixed_already = ("supabase.function_search_path_mutable", 'public."f; x"(a integer)')
    assert fixes[("supabase.anon_security_definer_function_executable", 'public."rpc; drop"()')] == \
        'REVOKE EXECUTE ON FUNCTION public."rpc; drop"() FROM PUBLIC, "anon"'
    # The fixes run, and the lints then stop firing for those objects.
    with psycopg.connect(shaped, autocommit=True) as conn:
        for check_id, obj in [("supabase.rls_disabled_in_public", '"my api; schema"."x y"'),
                              findings_fixed_already,  # by the action test: running its fix again is harmless
                              ("supabase.anon_security_definer_function_executable", 'public."rpc; drop"()'),
                              ("supabase.security_definer_view", 'public."v; definer"')]:
            conn.execute(fixes[(check_id, obj)])
    db = make_db(shaped)
    try:
        after = run_checks(CheckContext(db, db.thresholds), ["supabase."]).findings
    finally:
        db.close()
    objects = {(f.check, f.object) for f in after}
    assert ("supabase.rls_disabled_in_public", '"my api; schema"."x y"') not in objects
    assert ("supabase.sensitive_columns_exposed", '"my api; schema"."x y"') not in objects
    assert ("supabase.function_search_path_mutable", 'public."f; x"(a integer)') not in objects
    assert ("supabase.anon_security_definer_function_executable", 'public."rpc; drop"()') not in objects
    assert ("supabase.security_definer_view", 'public."v; definer"') not in objects
    assert ("supabase.rls_disabled_in_public", 'public."Open table; --"') in objects


def test_performance_lints_come_from_pgpulses_own_checks(shaped):
    db = make_db(shaped)
    try:
        run = run_checks(CheckContext(db, db.thresholds), ["supabase"])
    finally:
        db.close()
    assert all(f.supabase_lint for f in run.findings)
    by_lint: dict[str, set[str]] = {}
    for f in run.findings:
        by_lint.setdefault(f.supabase_lint, set()).add((f.check, f.object))
    assert ("schema.no_primary_key", 'public."no key; here"') in by_lint["no_primary_key"]
    assert not {o for c, o in by_lint["no_primary_key"] if o.startswith("auth.")}
    duplicates = {o for _, o in by_lint["duplicate_index"]}
    assert duplicates & {'public."dup one"', 'public."dup two"'} and "public.dups_a_b" not in duplicates
    assert not {o for o in duplicates if o.startswith("auth.")}
    assert ("indexes.fk_missing", "public.by_id_user_id_fkey") in by_lint["unindexed_foreign_keys"]
    unused = {o for _, o in by_lint["unused_index"]}
    assert "public.dups_a_b" in unused and not {o for o in unused if o.startswith("auth.")}
    # the prefix index the duplicates lead is pgpulse's "redundant", not Supabase's duplicate_index
    assert set(by_lint) <= set(LINTS)
    # with a prefix beside the word, that prefix's checks keep every finding
    db = make_db(shaped)
    try:
        both = run_checks(CheckContext(db, db.thresholds), ["supabase", "schema.no_primary_key"]).findings
    finally:
        db.close()
    untagged = {f.object for f in both if f.check == "schema.no_primary_key" and not f.supabase_lint}
    assert "auth.no_key" in untagged
    assert {f.supabase_lint for f in both} >= {"no_primary_key", "rls_disabled_in_public", "duplicate_index"}


def test_table_bloat_is_pgpulses_estimate_tagged_outside_supabases_schemas(fresh_url):
    from lib.core.config import DatabaseConfig, Thresholds
    from lib.core.db import Database

    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA auth")
        for schema, name in (("public", "bloated; t"), ("auth", "bloated")):
            table = psycopg.sql.Identifier(schema, name)
            for statement in ("CREATE TABLE {} (id bigint PRIMARY KEY, note text) WITH (autovacuum_enabled = false)",
                              "INSERT INTO {} SELECT g, repeat('x', 80) FROM generate_series(1, 60000) g",
                              "DELETE FROM {} WHERE id % 10 <> 0", "VACUUM ANALYZE {}"):
                conn.execute(psycopg.sql.SQL(statement).format(table))
    db = Database(DatabaseConfig(name="t", conninfo=fresh_url, source="test"),
                  Thresholds(bloat_min_mb=0.5, table_bloat_ratio=0.3))
    try:
        found = run_checks(CheckContext(db, db.thresholds), ["tables.bloat"]).findings
    finally:
        db.close()
    tagged = {f.object: f.supabase_lint for f in found}
    assert tagged.get('public."bloated; t"') == "table_bloat"
    assert "auth.bloated" in tagged and tagged["auth.bloated"] is None


def test_without_the_supabase_shape_the_api_lints_make_no_finding(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.t (id int PRIMARY KEY, password text)")
        conn.execute("CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'")
    db = make_db(fresh_url)
    try:
        run = run_checks(CheckContext(db, db.thresholds), ["supabase."])
    finally:
        db.close()
    assert not run.errors, run.errors
    fired = {f.supabase_lint for f in run.findings}
    # Nothing here needs Supabase: these still judge the database.
    assert fired == {"function_search_path_mutable", "extension_in_public"}
