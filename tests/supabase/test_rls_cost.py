"""A policy's read measured as its role with a real user's JWT, next to the read without RLS, on every test
server: the rows each read returns are checked on the database itself; nothing of the measurement stays."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from lib.supabase import policies, rls_cost, shape
from lib.supabase.rls_cost import RlsProblem
from tests.conftest import make_db

TABLE = 'notes "x"; y'
USERS = ("11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222")
ROWS = 5000


def q(url: str, statement, params=None) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(statement, params)
        return cur.fetchall() if cur.description else []


@pytest.fixture()
def notes_url(fresh_url) -> str:
    url = fresh_url
    shape.install(url)
    t = sql.Identifier(TABLE)
    q(url, "INSERT INTO auth.users (id, created_at) VALUES (%s, now() - interval '2 days'), (%s, now())", USERS)
    q(url, sql.SQL("CREATE TABLE public.{} (id int PRIMARY KEY, user_id uuid, body text)").format(t))
    q(url, sql.SQL("INSERT INTO public.{} SELECT g, CASE WHEN g %% 10 = 0 THEN %s::uuid ELSE %s::uuid END, 'x' "
                   "FROM generate_series(1, %s) g").format(t), (USERS[0], USERS[1], ROWS))
    q(url, sql.SQL("ALTER TABLE public.{} ENABLE ROW LEVEL SECURITY").format(t))
    q(url, sql.SQL("CREATE POLICY \"own; rows\" ON public.{} FOR SELECT TO authenticated USING (auth.uid() = user_id)")
      .format(t))
    q(url, sql.SQL("CREATE POLICY \"adds\" ON public.{} FOR INSERT TO authenticated WITH CHECK (true)").format(t))
    q(url, sql.SQL("ANALYZE public.{}").format(t))
    return url


def the_policy(db, name: str = "own; rows") -> policies.Policy:
    return next(p for p in policies.read_policies(db) if p.name == name)


def test_read_as_the_policy_role_and_without_rls(notes_url):
    db = make_db(notes_url)
    try:
        m = rls_cost.measure(db, the_policy(db))
    finally:
        db.close()
    first_user_rows = q(notes_url, sql.SQL("SELECT count(*) FROM public.{} WHERE user_id = %s")
                        .format(sql.Identifier(TABLE)), (USERS[0],))[0][0]
    assert first_user_rows == ROWS // 10
    assert m.role == "authenticated"
    assert m.claims["sub"] == USERS[0]  # the first user of auth.users
    assert m.statement == 'SELECT * FROM "public"."notes ""x""; y"'
    assert m.with_rls.rows == first_user_rows
    assert m.without_rls is not None and m.without_rls.rows == ROWS
    assert m.with_rls.execution_ms > 0 and m.without_rls.execution_ms > 0
    scan = m.with_rls.plan.nodes[0]
    assert scan.relation == TABLE and scan.rows_removed_by_filter == ROWS - first_user_rows
    assert m.session_changes == []  # the role, the claims and row_security went with the rollback
    assert m.baseline_note is None
    # the same session settings are not left anywhere: a new connection reads as itself
    assert q(notes_url, "SELECT current_user, current_setting('request.jwt.claims', true)")[0][0] == "postgres"


def test_rewritten_policy_reads_through_an_initplan(notes_url):
    q(notes_url, sql.SQL("ALTER POLICY \"own; rows\" ON public.{} USING ((select auth.uid()) = user_id)")
      .format(sql.Identifier(TABLE)))
    db = make_db(notes_url, pooler=True)  # behind a transaction pooler: it runs in one transaction all the same
    try:
        m = rls_cost.measure(db, the_policy(db))
    finally:
        db.close()
    assert m.with_rls.rows == ROWS // 10
    assert any((n.subplan_name or "").startswith("InitPlan") for n in m.with_rls.plan.nodes)


def test_what_cannot_be_measured_says_why(notes_url):
    url = notes_url
    db = make_db(url)
    try:
        with pytest.raises(RlsProblem, match="does not filter reads"):
            rls_cost.measure(db, the_policy(db, "adds"))
        q(url, sql.SQL("REVOKE SELECT ON public.{} FROM authenticated").format(sql.Identifier(TABLE)))
        with pytest.raises(RlsProblem, match="may not SELECT from"):
            rls_cost.measure(db, the_policy(db))
        q(url, sql.SQL("GRANT SELECT ON public.{} TO authenticated").format(sql.Identifier(TABLE)))
    finally:
        db.close()
    q(url, "DROP ROLE IF EXISTS rls_measurer")
    q(url, "CREATE ROLE rls_measurer LOGIN PASSWORD 'measure-pw'")
    q(url, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO rls_measurer")
    weak = make_db(url.replace("postgres@", "rls_measurer:measure-pw@"))
    try:
        with pytest.raises(RlsProblem, match="may not SET ROLE authenticated"):
            rls_cost.measure(weak, the_policy(weak))
        q(url, "GRANT authenticated TO rls_measurer")
        m = rls_cost.measure(weak, the_policy(weak))  # a member, but no owner: no read without RLS
        assert m.without_rls is None and "does not bypass row-level security" in m.baseline_note
        assert "cannot read auth.users" in m.baseline_note and m.with_rls.rows == 0  # a made-up user owns nothing
        q(url, "GRANT SELECT ON auth.users TO rls_measurer")
        m = rls_cost.measure(weak, the_policy(weak))
        assert m.with_rls.rows == ROWS // 10
    finally:
        weak.close()
        q(url, "DROP OWNED BY rls_measurer")
        q(url, "DROP ROLE rls_measurer")
