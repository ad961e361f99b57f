"""Policy expressions as PostgreSQL prints them, read with pglast (no database): what runs per row, the
rewrite, and expressions that cannot be read or printed back (no rewrite offered)."""

from __future__ import annotations

import pytest

from lib.supabase.policy_rewrite import (
    always_true,
    compared_columns,
    parse_expression,
    per_row_calls,
    reads_user_metadata,
    rewrite,
)

NONE = parse_expression(None)


@pytest.mark.parametrize("text, calls, rewritten", [
    ("(auth.uid() = user_id)", ["auth.uid()"], "(SELECT auth.uid()) = user_id"),
    ("(( SELECT auth.uid() AS uid) = user_id)", [], None),  # already wrapped: nothing per row
    ("(user_id IN ( SELECT m.user_id FROM members m WHERE (m.team = auth.uid())))", [], None),
    ("((auth.jwt() ->> 'role'::text) = 'admin'::text)", ["auth.jwt()"],
     "(SELECT auth.jwt() ->> CAST('role' AS text) = CAST('admin' AS text))"),
    ("(team = ((current_setting('request.jwt.claims'::text, true))::json ->> 'team'::text))", ["current_setting()"],
     "team = (SELECT CAST(current_setting(CAST('request.jwt.claims' AS text), TRUE) AS pg_catalog.json) "
     "->> CAST('team' AS text))"),
    # a volatile call beside it stays per row; only the auth call is wrapped
    ("((random() > (0.5)::double precision) AND (auth.role() = 'authenticated'::text))", ["auth.role()"],
     "random() > CAST(0.5 AS double precision) AND (SELECT auth.role() = CAST('authenticated' AS text))"),
    ('(lower("we;ird"."a b") = auth.email())', ["auth.email()"], 'lower("we;ird"."a b") = (SELECT auth.email())'),
])
def test_per_row_calls_and_their_rewrite(text, calls, rewritten):
    expr = parse_expression(text)
    assert expr.problem is None
    assert per_row_calls(expr) == calls
    done = rewrite(expr, NONE)
    assert done.changed == bool(rewritten)
    if rewritten:
        assert done.using == rewritten and done.check is None
        assert per_row_calls(parse_expression(done.using)) == []
    else:
        assert done.problem == "it calls no session function per row"


def test_both_clauses_are_rewritten_together():
    done = rewrite(parse_expression("(auth.uid() = owner)"), parse_expression("(auth.uid() = owner)"))
    assert (done.using, done.check) == ("(SELECT auth.uid()) = owner", "(SELECT auth.uid()) = owner")


def test_an_expression_that_does_not_parse_gets_no_rewrite():
    broken = parse_expression("auth.uid( = user_id")
    assert not broken.readable and "cannot read it" in broken.problem
    assert per_row_calls(broken) == []
    done = rewrite(broken, NONE)
    assert not done.changed and done.using is None and "USING expression cannot be rewritten" in done.problem
    assert "not a single expression" in parse_expression("true UNION SELECT true").problem


def test_user_metadata_always_true_and_compared_columns():
    meta = parse_expression("(((auth.jwt() -> 'user_metadata'::text) ->> 'role'::text) = 'admin'::text)")
    assert reads_user_metadata(meta)
    claims = parse_expression("((((current_setting('request.jwt.claims'::text, true))::jsonb -> "
                              "'user_metadata'::text) ->> 'role'::text) = 'admin'::text)")
    assert reads_user_metadata(claims)
    assert not reads_user_metadata(parse_expression("((auth.jwt() -> 'app_metadata'::text) ->> 'r'::text) = 'a'"))
    assert not reads_user_metadata(parse_expression("(user_metadata ->> 'role'::text) = 'admin'::text"))
    assert always_true(parse_expression("true")) and always_true(parse_expression("(1 = 1)"))
    assert not always_true(parse_expression("(1 = 2)")) and not always_true(parse_expression("is_public"))
    assert compared_columns(parse_expression("((( SELECT auth.uid() AS uid) = user_id) AND (team = 'a'::text))")) \
        == ["user_id"]
    assert compared_columns(parse_expression('("Owner Id" = auth.uid())')) == ["Owner Id"]
