"""Performance-target classes, tables referenced, and `column = $n` lookups for N+1 detection."""

import pytest

from lib.sqltext.classify import KINDS, classify, param_equalities, tables


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        # pk_lookup, by the documented heuristic (id, <table>_id, <singular>_id)
        ("SELECT name, email FROM clients WHERE id = $1", "pk_lookup"),
        ("select * from public.clients c where c.id = $1 and c.deleted_at is null", "pk_lookup"),
        ("select * from clients where client_id = 42", "pk_lookup"),
        ("select * from companies where company_id = $1::uuid", "pk_lookup"),
        ('select * from "Leads" where "Leads_id" = $1', "pk_lookup"),
        # not pinned to a key
        ("select * from clients where email = $1", "other"),
        ("select * from clients where id > $1", "other"),
        ("select * from clients where id = $1 or name = $2", "other"),
        ("select * from clients where id = any($1)", "other"),
        # join: more than one table reference, however written
        ("select * from clients c join leads l on l.client_id = c.id where c.id = $1", "join"),
        ("select * from clients c, leads l where l.client_id = c.id", "join"),
        ("select * from clients where id in (select client_id from leads)", "join"),
        ("select * from t a join t b on a.parent = b.id", "join"),
        # full scans
        ("select * from clients", "full_scan"),
        ("SELECT count(*) FROM public.invoices /* size */", "full_scan"),
        ("select status, count(*) from leads group by status", "full_scan"),
        # writes
        ("insert into clients (name, email) values ($1, $2)", "write_single"),
        ("insert into clients default values", "write_single"),
        ("insert into t (a) values ($1) on conflict (a) do update set a = excluded.a", "write_single"),
        ("update clients set name = $1 where id = $2", "write_single"),
        ("delete from public.leads where lead_id = $1", "write_single"),
        ("update clients set name = $1 where email = $2", "other"),
        ("delete from leads where created_at < now()", "other"),
        ("insert into t (a, b) values ($1, $2), ($3, $4), ($5, $6)", "batch_insert"),
        ("insert into archive select * from t where deleted_at is not null", "batch_insert"),
        ("copy t (a, b) from stdin", "batch_insert"),
        # everything else
        ("select 1", "other"),
        ("select now()", "other"),
        ("select a from t1 union all select a from t2", "other"),
        ("merge into t using s on t.id = s.id when matched then do nothing", "other"),
        ("create index on t (a)", "other"),
        ("select 1; select 2", "other"),
        ("select * frm t", "other"),
        ("select * into t2 from t", "other"),
    ],
)
def test_classify(sql, kind):
    assert classify(sql).kind == kind


def test_kinds_are_the_documented_set():
    assert KINDS == ("pk_lookup", "join", "write_single", "batch_insert", "full_scan", "other")


def test_catalog_keys_override_the_heuristic():
    keys = {"public.clients": [["id"], ["email"]], "leads": [("client_id", "seq")]}
    assert classify("select * from clients where email = $1", keys).kind == "pk_lookup"
    # a bare `id` column is not a key when the catalog says otherwise
    assert classify("select * from leads where id = $1", keys).kind == "other"
    assert classify("select * from leads where client_id = $1 and seq = $2", keys).kind == "pk_lookup"
    assert classify("select * from leads where client_id = $1", keys).kind == "other"
    assert classify("update leads set x = 1 where seq = $1 and client_id = $2", keys).kind == "write_single"


def test_keys_as_callable_receives_the_display_name():
    seen = []

    def keys(table):
        seen.append(table)
        return [["code"]] if table == 'crm."Accounts"' else None

    assert classify('select * from crm."Accounts" where code = $1', keys).kind == "pk_lookup"
    assert seen == ['crm."Accounts"']
    assert classify("select * from crm.other where code = $1", keys).kind == "other"


def test_reason_says_when_the_key_was_guessed():
    assert "guessed" in classify("select * from clients where id = $1").reason
    assert "guessed" not in classify("select * from clients where id = $1", {"clients": ["id"]}).reason


def test_classification_lists_tables():
    result = classify("select * from clients c join public.leads l on l.client_id = c.id")
    assert result.tables == ("clients", "public.leads")


def test_tables_in_text_order_without_cte_names():
    sql = 'with x as (select * from t) select * from x join "S"."T" using (a) where exists (select 1 from public.u)'
    assert tables(sql) == ["t", '"S"."T"', "public.u"]


def test_tables_across_statements_and_writes():
    sql = "insert into archive select * from leads; delete from leads where id = $1; update clients set a = 1"
    assert tables(sql) == ["archive", "leads", "clients"]


def test_tables_skips_unparsable_statements():
    assert tables("select * from a; selec * from b; select * from c") == ["a", "c"]


def test_param_equalities_resolves_aliases():
    sql = (
        "select * from clients c join leads l on l.client_id = c.id "
        "where c.id = $1 and l.status = $2::text and $3 = c.email and c.kind in ($4) and c.x = any($5)"
    )
    assert param_equalities(sql) == [("clients", "id"), ("leads", "status"), ("clients", "email")]


def test_param_equalities_single_table_and_schema():
    assert param_equalities("SELECT * FROM public.leads WHERE client_id = $1 /* per client */") == [
        ("public.leads", "client_id")
    ]


def test_param_equalities_unresolvable_column_has_no_table():
    sql = "select * from clients c join leads l on l.client_id = c.id where status = $1"
    assert param_equalities(sql) == [(None, "status")]


def test_param_equalities_ignores_constants_and_column_comparisons():
    assert param_equalities("select * from t where a = 1 and b = c and d > $1") == []


def test_param_equalities_in_update_and_subquery():
    sql = "update clients set name = $1 where id = $2 and exists (select 1 from leads l where l.client_id = $3)"
    assert param_equalities(sql) == [("clients", "id"), ("leads", "client_id")]
