"""Every lint rule against statements it must flag and statements it must leave alone.

Statements carry the shapes pg_stat_statements produces ($n placeholders, comments) and
schema-qualified or quoted names; expected message fragments are written by hand.
"""

import pytest

from lib.sqltext.detectors import DETECTORS
from lib.sqltext.lint import lint
from lib.sqltext.rules import RULES

# rule -> [(sql, fragment the message must contain)]
FLAG = {
    "select_star": [
        ("SELECT * FROM clients WHERE id = $1", "every column of clients"),
        ("select c.* from public.clients c join leads l on l.client_id = c.id", "public.clients"),
        ('/* app */ SELECT * FROM "Sales"."Order Lines" -- all', '"Sales"."Order Lines"'),
        ("TABLE invoices", "invoices"),
    ],
    "unbounded_order_by": [
        ("SELECT id FROM invoices ORDER BY created_at DESC", "sorted by created_at DESC"),
        ("select id from public.leads where client_id = $1 order by id /* newest */", "public.leads"),
        ("select id from t order by id limit all", "no LIMIT"),
        ("(select a from t1) union (select a from t2) order by a", "sorted by a"),
    ],
    "function_on_column": [
        ("SELECT id FROM clients WHERE lower(email) = $1", "clients.email"),
        ('select 1 from "Sales"."Clients" c where upper(c."Email") = lower($1)', '"Sales"."Clients"."Email"'),
        ("select id from invoices where created_at::date = $1", "cast"),
        ("select 1 from clients c join leads l on lower(l.email) = c.email", "a JOIN condition"),
        ("select id from invoices where date_trunc('day', created_at) = $1 -- daily", "date_trunc"),
        ("select id from invoices where created_at::date between $1 and $2", "created_at"),
    ],
    "count_for_existence": [
        ("SELECT (SELECT count(*) FROM leads WHERE client_id = $1) > 0", "leads"),
        ("select count(*) > 0 from public.leads where client_id = $1", "count(*) > 0"),
        ("select id from clients c where 0 < (select count(*) from leads l where l.client_id = c.id)", "> 0"),
        ("select case when (select count(1) from t where a = $1) = 0 then 'none' end", "= 0"),
        ("select 1 where (select count(*) from t) >= 1", ">= 1"),
    ],
    "or_chain": [
        ("SELECT id FROM leads WHERE status = 'new' OR status = 'open' OR status = 'won'", "3 values"),
        ("select id from leads where (status = $1 or status = $2) or status = $3", "status"),
        ("select id from t where t.kind = 1 or t.kind = 2 or t.kind = 3 or other = 4", "t.kind"),
        ('select 1 from x where "Kind" = $1 or "Kind" = $2 or "Kind" = $3', '"Kind"'),
    ],
    "correlated_subquery": [
        ("SELECT c.id, (SELECT count(*) FROM leads l WHERE l.client_id = c.id) FROM clients c", "c.id"),
        ("select clients.id, (select max(total) from invoices i where i.client_id = clients.id) from public.clients",
         "public.clients"),
        ("select c.id, coalesce((select sum(p.amount) from payments p where p.client_id = c.id), 0) from clients c",
         "payments"),
        ("select c.id, array(select l.id from leads l where l.client_id = c.id and l.status = $1) from clients c",
         "once per row of clients"),
    ],
    "select_distinct": [
        ("SELECT DISTINCT client_id FROM invoices", "consider GROUP BY client_id"),
        ("select distinct c.id, c.name from clients c join leads l on l.client_id = c.id", "consider GROUP BY"),
        ("select id from t where a in (select distinct b from u where c = $1)", "consider"),
    ],
    "deep_offset": [
        ("SELECT id FROM invoices ORDER BY id LIMIT 50 OFFSET 5000", "OFFSET 5000"),
        ("select id from t order by id limit 10 offset 1000", "1000 rows"),
        ("select id from t order by id limit $1 offset $2 -- page", "OFFSET $2"),
    ],
    "not_in_subquery": [
        ("SELECT id FROM clients WHERE id NOT IN (SELECT client_id FROM invoices)", "NOT IN"),
        ("select id from public.clients c where c.id not in (select client_id from leads where status = $1)", "c.id"),
        ("select 1 from t where not (a = any (select b from u))", "NOT IN"),
    ],
    "leading_wildcard_like": [
        ("SELECT id FROM clients WHERE name ILIKE '%smith%'", "ILIKE '%smith%'"),
        ("select id from clients c where c.name like '%' || $1 || '%'", "c.name LIKE"),
        ('select 1 from "Sales"."Clients" where "Name" like \'%x\'', '"Name"'),
        ("select 1 from t where a ~~ '%z'", "LIKE"),
    ],
}

CLEAN = {
    "select_star": [
        "SELECT id, name FROM clients WHERE id = $1",
        "select count(*) from clients",
        "select id from clients c where exists (select * from leads l where l.client_id = c.id)",
        "with recent as (select id, name from clients) select * from recent",
    ],
    "unbounded_order_by": [
        "SELECT id FROM invoices ORDER BY created_at DESC LIMIT 50",
        "select id from t order by id fetch first 10 rows only",
        "select id, row_number() over (order by created_at) from t",
        "select string_agg(name, ',' order by name) from clients",
        "select id from t order by id limit $1",
        "insert into archive select * from t order by id",
    ],
    "function_on_column": [
        "SELECT id FROM clients WHERE email = lower($1)",
        "select id from invoices where created_at > now() - interval '1 day'",
        "select lower(email) from clients where id = $1",
        "select id from t where a = $1::int",
        "select count(*) from t group by a having count(*) > 1",
        "select id from clients where lower(name) like '%smith'",  # leading_wildcard_like's job
    ],
    "count_for_existence": [
        "SELECT count(*) FROM leads WHERE client_id = $1",
        "select client_id from leads group by client_id having count(*) > 0",
        "select (select count(*) from leads) > 5",
        "select exists (select 1 from leads where client_id = $1)",
        "select client_id, count(*) > 0 from leads group by client_id",
    ],
    "or_chain": [
        "SELECT id FROM leads WHERE status = 'new' OR status = 'open'",
        "select id from t where a = 1 or b = 2 or c = 3",
        "select id from t where a = 1 or a > 5 or a < 0",
        "select id from t where status in ('a', 'b', 'c')",
    ],
    "correlated_subquery": [
        "SELECT c.id, (SELECT max(total) FROM invoices) FROM clients c",
        "select c.id from clients c where exists (select 1 from leads l where l.client_id = c.id)",
        "select c.id, count(l.id) from clients c left join leads l on l.client_id = c.id group by c.id",
        "select (select count(*) from leads l where l.status = $1)",
    ],
    "select_distinct": [
        "SELECT client_id FROM invoices GROUP BY client_id",
        "select count(distinct client_id) from invoices",
        "select distinct on (client_id) client_id, total from invoices order by client_id, created_at desc",
        "select a from t union select a from u",
    ],
    "deep_offset": [
        "SELECT id FROM invoices ORDER BY id LIMIT 50 OFFSET 20",
        "select id from t order by id limit 10 offset 999",
        "select id from t where id > $1 order by id limit 50",
    ],
    "not_in_subquery": [
        "SELECT id FROM clients WHERE id NOT IN (1, 2, 3)",
        "select id from clients c where not exists (select 1 from invoices i where i.client_id = c.id)",
        "select id from clients where id in (select client_id from invoices)",
        "select id from t where not (a > any (select b from u))",
    ],
    "leading_wildcard_like": [
        "SELECT id FROM clients WHERE name LIKE 'smi%'",
        "select id from clients where name like $1",
        "select id from clients where name not like '%x'",
        "select id from t where a like '%'",
    ],
}


def _cases(table):
    return [pytest.param(rule, case, id=f"{rule}-{i}") for rule, cases in table.items() for i, case in enumerate(cases)]


@pytest.mark.parametrize(("rule", "case"), _cases(FLAG))
def test_rule_flags(rule, case):
    sql, fragment = case
    hits = [f for f in lint(sql) if f.rule == rule]
    assert hits, f"{rule} did not flag: {sql}"
    assert any(fragment in f.message for f in hits), [f.message for f in hits]


@pytest.mark.parametrize(("rule", "sql"), _cases(CLEAN))
def test_rule_leaves_alone(rule, sql):
    assert [f.message for f in lint(sql) if f.rule == rule] == []


def test_every_rule_is_tested_both_ways():
    assert set(FLAG) == set(RULES) == set(CLEAN)
    for rule in RULES:
        assert len(FLAG[rule]) >= 3 and len(CLEAN[rule]) >= 3, rule


def test_registry_matches_detectors_and_is_complete():
    assert set(RULES) == set(DETECTORS)
    for rule in RULES.values():
        assert rule.title and rule.explanation and rule.advice
        assert rule.example.before != rule.example.after
        assert rule.severity in ("info", "warning")
        # each example's "before" is itself flagged by its rule, and the "after" is not
        assert rule.id in {f.rule for f in lint(rule.example.before)}, rule.id
        assert rule.id not in {f.rule for f in lint(rule.example.after)}, rule.id


def test_functional_index_suggestion_names_table_and_column():
    (hit,) = [f for f in lint("select id from sales.clients c where lower(c.email) = $1") if f.rule == "function_on_column"]
    assert hit.suggestion == "CREATE INDEX CONCURRENTLY ON sales.clients ((lower(email)))"


def test_functional_index_suggestion_quotes_hostile_names():
    sql = 'select 1 from "a""; DROP TABLE b; --" where lower("E mail") = $1'
    (hit,) = [f for f in lint(sql) if f.rule == "function_on_column"]
    assert hit.suggestion == 'CREATE INDEX CONCURRENTLY ON "a""; DROP TABLE b; --" ((lower("E mail")))'


def test_function_on_ambiguous_column_gives_no_index_suggestion():
    sql = "select 1 from clients c join leads l on l.client_id = c.id where lower(email) = $1"
    (hit,) = [f for f in lint(sql) if f.rule == "function_on_column"]
    assert hit.suggestion is None and "email" in hit.message


def test_trigram_suggestion():
    (hit,) = [f for f in lint("select id from public.clients where name ilike '%smith%'")
              if f.rule == "leading_wildcard_like"]
    assert hit.suggestion == (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
        "CREATE INDEX CONCURRENTLY ON public.clients USING gin (name gin_trgm_ops)"
    )


def test_or_chain_suggests_in_list_with_the_values():
    (hit,) = [f for f in lint("select id from leads where status = 'a' or status = $2 or status = 'c'")
              if f.rule == "or_chain"]
    assert hit.suggestion == "status IN ('a', $2, 'c')"


def test_deep_offset_severity_constant_vs_parameter():
    (const,) = [f for f in lint("select id from t order by id limit 5 offset 5000") if f.rule == "deep_offset"]
    (param,) = [f for f in lint("select id from t order by id limit $1 offset $2") if f.rule == "deep_offset"]
    assert (const.severity, param.severity) == ("warning", "info")


def test_select_distinct_is_worded_consider():
    (hit,) = [f for f in lint("select distinct a from t") if f.rule == "select_distinct"]
    assert hit.message.startswith("SELECT DISTINCT a: consider GROUP BY a")


def test_findings_carry_statement_index_and_position():
    sql = "select 1;\n-- note; not a statement\nselect id from clients where lower(email) = $1"
    (hit,) = [f for f in lint(sql) if f.rule == "function_on_column"]
    assert hit.statement_index == 1
    assert sql[hit.position:].startswith("lower(email)")


def test_unparsable_statement_gives_note_not_exception():
    report = lint("select * from t where lower(x) = $1; selec 1; select * from u")
    assert [f.statement_index for f in report if f.rule == "select_star"] == [0, 2]
    assert len(report.notes) == 1 and "selec" in report.notes[0] and "statement 2" in report.notes[0]


def test_truncated_text_is_noted_as_maybe_truncated():
    report = lint("SELECT id, name FROM clients WHERE lower(email) = $1 AND status IN ($2, $3")
    assert list(report) == []
    assert "truncated" in report.notes[0]


def test_empty_and_comment_only_text():
    assert lint("") == [] and lint("") .notes == []
    assert lint("-- nothing; here\n/* ; */") == []


def test_trigram_suggestion_for_an_expression():
    (hit,) = [f for f in lint("select 1 from clients c where lower(c.name) like '%x%'") if f.rule == "leading_wildcard_like"]
    assert hit.suggestion.endswith("ON clients USING gin ((lower(name)) gin_trgm_ops)")


def test_count_message_is_short_and_normalised():
    (hit,) = [f for f in lint("select 1 from t where 1 > (select count(*) from u join v using (a))")
              if f.rule == "count_for_existence"]
    assert hit.message == "(SELECT count(...) ...) < 1 counts every matching row on u, v only to test whether one exists"
