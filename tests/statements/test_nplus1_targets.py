"""N+1 pairs, performance-target classes and catalog name resolution, from statement totals and a catalog
as the queries return them (the SQL side runs on real servers in test_statements.py)."""

from __future__ import annotations

import pytest

from lib.core.config import Thresholds
from lib.statements import nplus1, targets
from lib.statements.explorer import StatementText
from lib.statements.table_keys import from_rows

T = Thresholds()

CATALOG = from_rows([
    {"schema": "public", "name": "clients", "kind": "r", "estimated_rows": 20_000, "visible": True,
     "keys": [["id"], ["email"]], "foreign_keys": []},
    {"schema": "public", "name": "invoices", "kind": "r", "estimated_rows": 100_000, "visible": True,
     "keys": [["id"]], "foreign_keys": [{"columns": ["client_id"], "ref_schema": "public", "ref_table": "clients",
                                         "ref_columns": ["id"]}]},
    {"schema": "public", "name": "queue", "kind": "r", "estimated_rows": 6_000, "visible": True,
     "keys": [["id"]], "foreign_keys": []},
    {"schema": "public", "name": "stats", "kind": "m", "estimated_rows": 700, "visible": True,
     "keys": [], "foreign_keys": []},
    {"schema": "archive", "name": "clients", "kind": "r", "estimated_rows": 10, "visible": False,
     "keys": [["legacy_id"]], "foreign_keys": []},
    {"schema": "archive", "name": "Old Invoices", "kind": "r", "estimated_rows": 10, "visible": False,
     "keys": [["number"]], "foreign_keys": []},
])

_ids = iter(range(1, 10_000))


def stmt(query: str | None, calls: int = 10, rows: int | None = None, mean_ms: float = 1.0) -> StatementText:
    rows = calls if rows is None else rows
    qid = next(_ids)
    return StatementText(qid, (qid,), query, len(query or "x" * 200_000), calls, calls * mean_ms, mean_ms, rows,
                         rows / calls, 0.01)


LIST = stmt("SELECT id, name FROM clients WHERE deleted_at IS NULL ORDER BY created_at DESC LIMIT $1",
            calls=4, rows=200)
PER_CLIENT = stmt("SELECT id, number, status FROM invoices WHERE client_id = $1", calls=200, rows=900)


def detect(*statements):
    return nplus1.detect(list(statements), CATALOG, T)


# -- catalog ------------------------------------------------------------------------------------------------
def test_names_resolve_like_the_search_path():
    assert CATALOG.find("clients").schema == "public"  # visible one wins over archive.clients
    assert CATALOG.find("archive.clients").keys == (frozenset({"legacy_id"}),)
    assert CATALOG.find('"Old Invoices"').schema == "archive"  # only one schema has it
    assert CATALOG.find('archive."Old Invoices"').name == "Old Invoices"
    assert CATALOG.find("nope") is None and CATALOG.keys("nope") is None
    assert [(r.name, fk.columns) for r, fk in CATALOG.referencing(CATALOG.find("clients"))] == [
        ("invoices", ("client_id",))]


# -- N+1 ----------------------------------------------------------------------------------------------------
def test_lookup_by_foreign_key_after_a_list_of_the_referenced_table():
    (found,) = detect(LIST, PER_CLIENT, stmt("SELECT count(*) FROM invoices", calls=3, rows=3))
    assert found.lookup is PER_CLIENT and found.listing is LIST and found.likely
    assert (found.table, found.column) == ("public.invoices", "client_id")
    assert found.batched_sql.endswith("WHERE client_id = ANY($1)")
    assert "LEFT JOIN invoices ON invoices.client_id = listed.id" in found.joined_sql
    assert "invoices.number" in found.joined_sql and "LIMIT $1) AS listed" in found.joined_sql


def test_lookup_by_key_after_a_list_of_a_referencing_table():
    invoices = stmt("SELECT i.id, i.client_id AS owner, i.total FROM invoices i WHERE i.status = $1",
                    calls=5, rows=250)
    client = stmt("SELECT c.name, c.email FROM clients AS c WHERE c.id = $1", calls=240, rows=240)
    (found,) = detect(invoices, client)
    assert found.listing is invoices and found.likely
    assert "invoices.client_id references public.clients.id" == found.relation
    assert "LEFT JOIN clients AS c ON c.id = listed.owner" in found.joined_sql
    assert "c.name" in found.joined_sql


def test_same_table_is_only_possible():
    client = stmt("SELECT status FROM clients WHERE id = $1", calls=150)
    (found,) = detect(LIST, client)
    assert not found.likely and found.joined_sql is None and "same table" in found.relation


@pytest.mark.parametrize("lookup", [
    stmt("SELECT id FROM invoices WHERE client_id = $1", calls=T.nplus1_min_calls - 1, rows=90),  # too rare
    stmt("SELECT id FROM invoices WHERE client_id = $1", calls=200, rows=200 * 11),  # too many rows per call
    stmt("SELECT id FROM invoices WHERE status = $1", calls=200),  # not a key
    stmt("SELECT id FROM invoices WHERE client_id = ANY($1)", calls=200),  # already batched
    stmt("SELECT i.id FROM invoices i JOIN clients c ON c.id = i.client_id WHERE i.client_id = $1", calls=200),
    stmt("UPDATE invoices SET status = $2 WHERE client_id = $1", calls=200),  # not a SELECT
    stmt("SELECT id FROM invoices WHERE client_id = $1 AND", calls=200),  # cut short: does not parse
    stmt(None, calls=200),  # text too long to read
])
def test_not_a_per_row_lookup(lookup):
    assert detect(LIST, lookup) == []


def test_list_must_return_the_value_the_lookup_receives():
    names_only = stmt("SELECT name FROM clients ORDER BY name LIMIT 50", calls=4, rows=200)
    assert detect(names_only, PER_CLIENT) == []
    star = stmt("SELECT * FROM clients LIMIT 50", calls=4, rows=200)
    (found,) = detect(star, PER_CLIENT)
    assert "invoices.client_id = listed.id" in found.joined_sql


def test_list_must_run_far_less_often_and_return_more_rows():
    busy_list = stmt(LIST.query.replace("LIMIT", "AND id IS NOT NULL LIMIT"), calls=21, rows=21 * 50)
    assert detect(busy_list, PER_CLIENT) == []  # 200 calls are not 10 times 21
    single = stmt("SELECT id FROM clients WHERE email = $1", calls=4, rows=4)
    assert detect(single, PER_CLIENT) == []


def test_the_list_closest_in_rows_wins():
    far = stmt("SELECT id FROM clients ORDER BY id", calls=2, rows=40_000)
    (found,) = detect(far, LIST, PER_CLIENT)
    assert found.listing is LIST  # 200 listed rows for 200 lookups


# -- performance targets ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("query", "kind"), [
    ("SELECT name FROM clients WHERE email = $1", "pk_lookup"),  # a unique column, from the catalog
    ("SELECT c.name, i.number FROM clients c JOIN invoices i ON i.client_id = c.id", "join"),
    ("INSERT INTO queue (id) VALUES ($1)", "write_single"),
    ("UPDATE invoices SET status = $1 WHERE id = $2", "write_single"),
    ("INSERT INTO queue (id) SELECT g FROM generate_series($1, $2) g", "batch_insert"),
    ("SELECT count(*) FROM queue", "full_scan"),
    ("SELECT day, total FROM stats WHERE day > $1 ORDER BY day", "dashboard"),
    ("SELECT count(*) FROM invoices", None),  # a full scan, but of a big table
    ("SELECT name FROM clients WHERE status = $1", None),
    ("VACUUM queue", None),
    ("SELECT name FROM clients WHERE", None),
])
def test_target_classes(query, kind):
    assert targets.assess_one(stmt(query), CATALOG, T)[0] == kind


def test_compliance_summary_and_offenders():
    fast_pk = stmt("SELECT name FROM clients WHERE id = $1", mean_ms=2)
    slow_pk = stmt("SELECT email FROM clients WHERE id = $1", mean_ms=80)
    slow_join = stmt("SELECT c.name FROM clients c JOIN invoices i ON i.client_id = c.id", mean_ms=1000)
    compliance = targets.assess([fast_pk, slow_pk, slow_join, stmt("VACUUM queue"), stmt("SELECT (")], CATALOG, T)
    summary = {s.kind: s for s in compliance.summary()}
    assert (summary["pk_lookup"].statements, summary["pk_lookup"].passed, summary["pk_lookup"].ok) == (2, 1, False)
    assert summary["batch_insert"].ok is None and summary["pk_lookup"].worst_mean_ms == 80
    assert [a.statement for a in compliance.offenders()] == [slow_join, slow_pk]  # 5x over, then 1.6x
    assert (compliance.without_target, compliance.not_read) == (1, 1)
    assert compliance.ratio == pytest.approx(1 / 3)
    assert compliance.of(slow_pk.queryid).target_ms == T.target_pk_lookup_ms


def test_thresholds_come_from_configuration():
    strict = Thresholds(target_pk_lookup_ms=1.0, target_full_scan_max_rows=100)
    pk = stmt("SELECT name FROM clients WHERE id = $1", mean_ms=2)
    assert targets.assess([pk], CATALOG, strict).offenders()[0].statement is pk
    assert targets.assess_one(stmt("SELECT count(*) FROM queue"), CATALOG, strict)[0] is None
