"""The Supabase-shaped fixture and how pgpulse reads a database's API exposure, on every test server."""

from __future__ import annotations

import json

import psycopg
import pytest

from lib.core.findings import Finding, Severity
from lib.supabase import api, lints, shape
from tests.conftest import make_db


def test_shape_installs_twice_and_behaves_like_supabase(fresh_url):
    shape.install(fresh_url)
    shape.install(fresh_url)  # idempotent
    with psycopg.connect(fresh_url) as conn:
        roles = {r for (r,) in conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname IN ('anon','authenticated','service_role','authenticator')")}
        assert roles == {"anon", "authenticated", "service_role", "authenticator"}
        assert conn.execute("SELECT rolcanlogin, rolbypassrls FROM pg_roles WHERE rolname = 'service_role'"
                            ).fetchone() == (False, True)
        volatility = dict(conn.execute(
            "SELECT p.proname, p.provolatile FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'auth'").fetchall())
        assert volatility == {"uid": "s", "role": "s", "email": "s", "jwt": "s"}
        user = "8d0f3c55-6f0e-4b8e-9b59-3f0e1d2c4a10"
        conn.execute("SELECT set_config('request.jwt.claims', %s, true)",
                     [json.dumps({"sub": user, "role": "authenticated", "email": "a@b.c"})])
        assert conn.execute("SELECT auth.uid()::text, auth.role(), auth.email(), auth.jwt() ->> 'sub'"
                            ).fetchone() == (user, "authenticated", "a@b.c", user)
        conn.rollback()
        conn.execute("SELECT set_config('request.jwt.claim.sub', %s, true)", [user])
        assert conn.execute("SELECT auth.uid()::text").fetchone() == (user,)
        conn.rollback()
        assert conn.execute("SELECT auth.uid(), auth.jwt()").fetchone() == (None, None)
        columns = {r for (r,) in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'auth.users'::regclass AND attnum > 0")}
        assert {"id", "email", "raw_user_meta_data", "raw_app_meta_data"} <= columns
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'extensions'").fetchone() == (1,)
        conn.execute("CREATE TABLE public.after_shape (id int PRIMARY KEY)")
        assert conn.execute("SELECT has_table_privilege('anon', 'public.after_shape', 'SELECT')").fetchone() == (True,)


def test_api_context_reads_the_authenticator_setting(fresh_url):
    db = make_db(fresh_url)
    try:
        before = api.read(db)
        assert before.exposed is None and not before.has_auth_users
        assert "pgrst.db_schemas" in before.missing(lints.API)
        assert "auth.users" in before.missing(frozenset({"auth"}))
        assert before.missing(frozenset()) is None
        shape.install(fresh_url)
        after = api.read(db)
        assert after.exposed == ("public", "graphql_public")
        assert after.source == "the authenticator role's pgrst.db_schemas in this database"
        assert after.has_auth_users and {"anon", "authenticated"} <= after.roles
        assert after.missing(lints.AUTH_API) is None
    finally:
        db.close()


def test_api_context_falls_back_to_the_database_setting(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        dbname = conn.execute("SELECT current_database()").fetchone()[0]
        conn.execute(psycopg.sql.SQL("ALTER DATABASE {} SET pgrst.db_schemas = {}").format(
            psycopg.sql.Identifier(dbname), psycopg.sql.Literal('api, "odd ""one"""')))
    db = make_db(fresh_url)
    try:
        found = api.read(db)
        assert found.exposed == ("api", 'odd "one"')
        assert found.source in ("pgrst.db_schemas as this session sees it", "this database's pgrst.db_schemas")
    finally:
        db.close()


@pytest.mark.parametrize("text, expected", [
    ("public, graphql_public", ("public", "graphql_public")),
    ("  ", ()),
    (None, ()),
    ('"a,b" , public', ('"a', 'b"', "public")),  # PostgREST splits on commas too: no quoted commas
    ("public,public", ("public",)),
])
def test_parse_schemas(text, expected):
    assert api.parse_schemas(text) == expected


def test_a_tagged_finding_carries_its_lint_and_docs_link():
    finding = lints.tag(Finding("x.y", Severity.WARNING, "public.t", "t", {"rows": 1}), "rls_disabled_in_public")
    data = finding.to_dict()
    assert data["supabase_lint"] == "rls_disabled_in_public"
    assert data["evidence"] == {"rows": 1, "supabase_level": "ERROR", "docs": "https://supabase.com/docs/guides/database/database-linter"
                                                   "?lint=0013_rls_disabled_in_public"}
    assert Finding("x.y", Severity.OK, "o", "t").to_dict()["supabase_lint"] is None
    with pytest.raises(KeyError):
        lints.tag(finding, "no_such_lint")


def test_missing_says_which_part_is_missing():
    only_anon = api.SupabaseContext(True, frozenset({"anon"}), ("public",), "x")
    assert only_anon.missing(lints.API) == "Not applicable: the API role authenticated does not exist."
    nothing = api.SupabaseContext(False, frozenset(), None)
    why = nothing.missing(lints.AUTH_API)
    assert why.startswith("Not applicable: there is no auth.users table")
    assert "the API roles anon and authenticated do not exist" in why and "pgrst.db_schemas" in why
    assert nothing.missing(lints.LINTS["extension_in_public"].needs) is None
