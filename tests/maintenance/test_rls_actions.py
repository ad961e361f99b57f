"""The row-level security actions through the maintenance runner, on every test server: ALTER POLICY with the
rewritten expression and its undo, ENABLE ROW LEVEL SECURITY only with the table name typed, a function's
search_path set and reset; hostile names; refusals for what the role may not do."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from lib.actions import builders
from lib.core.store import Store
from lib.maintenance import audit, preview, runner
from lib.maintenance.target import parse
from lib.supabase import policy_rewrite, shape
from tests.conftest import make_db

ALICE = runner.Actor(app_user="alice")
TABLE = 'odd "t"; x'
POLICY = 'own; "rows"'


def q(url: str, statement, params=None) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(statement, params)
        return cur.fetchall() if cur.description else []


def policy_exprs(url: str) -> tuple[str | None, str | None]:
    return q(url, "SELECT pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid) FROM pg_policy "
                  "WHERE polname = %s", (POLICY,))[0]


@pytest.fixture()
def store(tmp_path):
    s = Store(tmp_path / "audit.db")
    yield s
    s.close()


@pytest.fixture()
def rls_url(fresh_url) -> str:
    shape.install(fresh_url)
    t = sql.Identifier(TABLE)
    q(fresh_url, sql.SQL("CREATE TABLE public.{} (id int PRIMARY KEY, user_id uuid)").format(t))
    q(fresh_url, sql.SQL("CREATE POLICY {} ON public.{} FOR UPDATE TO authenticated USING (auth.uid() = user_id) "
                         "WITH CHECK (auth.uid() = user_id)").format(sql.Identifier(POLICY), t))
    return fresh_url


def test_alter_policy_rewrites_and_undo_restores(rls_url, store):
    url = rls_url
    using, check = policy_exprs(url)
    done = policy_rewrite.rewrite(policy_rewrite.parse_expression(using), policy_rewrite.parse_expression(check))
    action = builders.alter_policy("public", TABLE, POLICY, done.using, done.check)
    db = make_db(url, actions_enabled=True)
    try:
        pv = preview.preview(db, action)
        assert pv.can_run, pv.refusal
        assert pv.target == f'public.{TABLE} policy "{POLICY}"'
        run = runner.execute(db, action, store, ALICE)
        assert run.state == "done", (run.message, run.problem)
        new_using, new_check = policy_exprs(url)
        assert new_using == new_check == "(( SELECT auth.uid() AS uid) = user_id)"
        assert run.before == {"policy": POLICY, "using": using, "with_check": check}
        assert run.after["using"] == new_using
        entry = audit.entries(store)[0]
        assert entry["action"] == "alter_policy" and entry["outcome"] == "done"
        undo = audit.undo_of_entry(entry)
        assert undo is not None and undo.kind == "alter_policy"
        again = runner.execute(db, undo, store, ALICE)
        assert again.state == "done", again.message
        assert policy_exprs(url) == (using, check)
    finally:
        db.close()


def test_alter_policy_refusals(rls_url, store):
    url = rls_url
    db = make_db(url, actions_enabled=True)
    try:
        gone = runner.execute(db, builders.alter_policy("public", TABLE, "no such", "true", None), store, ALICE)
        assert gone.state == "refused" and "does not exist" in gone.message
        # SQL that names another policy than its target is refused before anything runs
        bad = builders.alter_policy("public", TABLE, POLICY, "true", None)
        forged = type(bad)(**{**bad.__dict__, "target_detail": "other"})
        assert runner.execute(db, forged, store, ALICE).state == "refused"
        q(url, "DROP ROLE IF EXISTS rls_stranger")
        q(url, "CREATE ROLE rls_stranger LOGIN PASSWORD 'stranger-pw'")
        q(url, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO rls_stranger")
        stranger = make_db(url.replace("postgres@", "rls_stranger:stranger-pw@"), actions_enabled=True)
        try:
            run = runner.execute(stranger, bad, store, ALICE)
            assert run.state == "refused" and "belongs to" in run.message, run.message
        finally:
            stranger.close()
        assert policy_exprs(url)[0] == "(auth.uid() = user_id)"
    finally:
        db.close()
        q(url, "DROP OWNED BY rls_stranger")
        q(url, "DROP ROLE rls_stranger")


def test_enable_rls_needs_the_table_name_typed(rls_url, store):
    url = rls_url
    action = builders.enable_rls("public", TABLE)
    db = make_db(url, actions_enabled=True)
    try:
        pv = preview.preview(db, action)
        assert pv.needs_typed_name and pv.typed_what == "the table name"
        assert "Clients lose access" in pv.warning
        untyped = runner.execute(db, action, store, ALICE, typed_name="wrong")
        assert untyped.state == "refused" and "typed" in untyped.message
        assert q(url, "SELECT relrowsecurity FROM pg_class WHERE relname = %s", (TABLE,)) == [(False,)]
        run = runner.execute(db, action, store, ALICE, typed_name=TABLE)
        assert run.state == "done", run.message
        assert run.before["row_level_security"] is False and run.after["row_level_security"] is True
        assert q(url, "SELECT relrowsecurity FROM pg_class WHERE relname = %s", (TABLE,)) == [(True,)]
        undo = audit.undo_of_entry(audit.entries(store)[0])
        assert undo.kind == "disable_rls"
        assert runner.execute(db, undo, store, ALICE).state == "done"
        assert q(url, "SELECT relrowsecurity FROM pg_class WHERE relname = %s", (TABLE,)) == [(False,)]
    finally:
        db.close()


def test_function_search_path_set_and_undone(rls_url, store):
    url = rls_url
    q(url, 'CREATE FUNCTION public."is; admin"(who uuid, "odd arg" text[]) RETURNS boolean LANGUAGE sql STABLE '
           "AS 'SELECT false'")
    args = q(url, "SELECT pg_get_function_identity_arguments(to_regprocedure('public.\"is; admin\"(uuid, text[])'))")[0][0]
    action = builders.function_search_path("public", "is; admin", args)
    assert parse(action).signature == '"public"."is; admin"(uuid, text[])'
    db = make_db(url, actions_enabled=True)
    try:
        run = runner.execute(db, action, store, ALICE)
        assert run.state == "done", run.message
        assert run.before["search_path"] is None and run.after["search_path"] == '""'
        assert q(url, "SELECT proconfig FROM pg_proc WHERE proname = 'is; admin'") == [(['search_path=""'],)]
        undo = audit.undo_of_entry(audit.entries(store)[0])
        assert undo.sql.endswith("RESET search_path")
        assert runner.execute(db, undo, store, ALICE).state == "done"
        assert q(url, "SELECT proconfig FROM pg_proc WHERE proname = 'is; admin'") == [(None,)]
        missing = runner.execute(db, builders.function_search_path("public", "nope", ""), store, ALICE)
        assert missing.state == "refused" and "does not exist" in missing.message
    finally:
        db.close()
