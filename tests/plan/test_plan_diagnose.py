"""Diagnostics fire on plans that show the problem, and stay quiet on clean ones."""

from __future__ import annotations

import pytest

from lib.plan import analyze, diagnose
from lib.plan.diagnose import ESTIMATE_WARNING, RULES
from lib.plan.filters import filter_terms
from tests.fixtures_path import PEV2


def findings(text: str, rule: str | None = None):
    _plan, found = analyze(text)
    return [d for d in found if rule is None or d.rule == rule]


def fixture_text(name: str) -> str:
    return (PEV2 / name).read_text(encoding="utf-8")


def serious(found):
    return [d for d in found if d.severity in ("warning", "critical")]


CLEAN = """
Nested Loop  (cost=0.57..16.61 rows=1 width=8) (actual time=0.020..0.022 rows=1 loops=1)
  ->  Index Scan using orders_pkey on orders o  (cost=0.29..8.30 rows=1 width=8) (actual time=0.010..0.011 rows=1 loops=1)
        Index Cond: (id = 42)
  ->  Index Only Scan using clients_pkey on clients c  (cost=0.28..8.30 rows=1 width=4) (actual time=0.005..0.006 rows=1 loops=1)
        Index Cond: (id = o.client_id)
        Heap Fetches: 0
Planning Time: 0.080 ms
Execution Time: 0.045 ms
"""


def test_clean_plans_have_no_warnings():
    assert serious(findings(CLEAN)) == []
    for name in ("from-text/05-plan", "from-text/27-plan", "line-wrapped/01-plan", "line-wrapped/08-plan"):
        assert serious(findings(fixture_text(name))) == [], name


def test_every_rule_has_a_documented_threshold_and_runs_on_every_fixture():
    assert len(RULES) == 13
    for path in (PEV2 / "from-text").glob("*-plan"):
        for d in findings(path.read_text(encoding="utf-8")):
            assert d.severity in ("info", "warning", "critical")
            assert d.message and d.message[-1] in ".)"


def scan(rows: int, loops: int = 1, plan_rows: int = 100, extra: str = "", node="Seq Scan on public.users") -> str:
    return (f"{node}  (cost=0.00..1000.00 rows={plan_rows} width=8) "
            f"(actual time=0.010..50.000 rows={rows} loops={loops})\n{extra}")  # fmt: skip


@pytest.mark.parametrize(
    ("actual", "severity"),
    [(900, None), (1_000, "warning"), (50_000, "warning"), (100_000, "critical")],
)
def test_row_estimate_thresholds(actual, severity):
    got = findings(scan(actual), "row-estimate")
    assert [d.severity for d in got] == ([severity] if severity else [])
    if severity:
        assert "ANALYZE public.users" in got[0].message
        assert f"{actual / 100:,.0f}x more" in got[0].message


def test_row_estimate_is_reported_where_it_starts():
    text = (
        "Hash Join  (cost=1.0..2000.0 rows=50 width=8) (actual time=1.0..90.0 rows=40000 loops=1)\n"
        "  Hash Cond: (a.id = b.a_id)\n"
        "  ->  Seq Scan on a  (cost=0.0..1000.0 rows=100 width=4) (actual time=0.1..40.0 rows=80000 loops=1)\n"
        "  ->  Hash  (cost=1.0..1.0 rows=10 width=4) (actual time=0.3..0.3 rows=10 loops=1)\n"
        "        ->  Seq Scan on b  (cost=0.0..1.0 rows=10 width=4) (actual time=0.01..0.1 rows=10 loops=1)\n"
    )
    got = findings(text, "row-estimate")
    assert [(d.node, d.severity) for d in got] == [(1, "warning")]  # the scan of a, not the join
    assert ESTIMATE_WARNING == 10


def test_seq_scan_with_wasteful_filter_names_the_columns():
    extra = ("  Filter: (((email)::text = 'a@b.c'::text) AND (created_at > '2024-01-01'::date) AND (status = 'open'::text))\n"
             "  Rows Removed by Filter: 99990\n")  # fmt: skip
    got = findings(scan(10, plan_rows=10, extra=extra), "seq-scan-filter")
    assert len(got) == 1 and got[0].node == 0
    assert "CREATE INDEX ON public.users (email, status, created_at);" in got[0].message
    assert "100%" in got[0].message or "99%" in got[0].message
    # half the rows kept: an index would not help much
    assert findings(scan(50_000, plan_rows=50_000, extra="  Filter: (a = 1)\n  Rows Removed by Filter: 50000\n"),
                    "seq-scan-filter") == []
    # a small table: reading it is cheap
    assert findings(scan(10, plan_rows=10, extra="  Filter: (a = 1)\n  Rows Removed by Filter: 5000\n"),
                    "seq-scan-filter") == []


def test_function_over_a_column_suggests_an_expression_index():
    extra = "  Filter: (lower((email)::text) = 'a@b.c'::text)\n  Rows Removed by Filter: 99999\n"
    got = findings(scan(1, plan_rows=1, extra=extra), "function-in-filter")
    assert len(got) == 1
    assert "CREATE INDEX ON public.users ((lower((email)::text)));" in got[0].message
    seq = findings(scan(1, plan_rows=1, extra=extra), "seq-scan-filter")
    assert "expression index" in seq[0].message and "CREATE INDEX ON public.users (" not in seq[0].message


def test_filter_reading_with_pglast():
    terms = filter_terms("((n < (InitPlan 1).col1) AND (id = ANY ('{1,2}'::integer[])) AND (NOT (hashed SubPlan 2)))")
    assert terms.equality == ["id"] and terms.ranges == ["n"]
    assert terms.index_columns == ["id", "n"]
    assert filter_terms("(a.x = a.y)").index_columns == []  # two columns of the scanned table
    assert filter_terms("(x = y)").index_columns == []
    # in a scan's Filter another table's column is a value per loop (a SubPlan's, a Nested Loop inner side's)
    assert filter_terms("(a.x = b.y)").index_columns == ["x"]
    assert filter_terms("((converted_client_id = c.id) AND (amount > (c.region * 100)))").index_columns == [
        "converted_client_id", "amount"]
    assert filter_terms("this is ( not sql") is None


def test_sort_spill_suggests_work_mem():
    text = ("Sort  (cost=1.0..2.0 rows=100000 width=8) (actual time=50.0..80.0 rows=100000 loops=1)\n"
            "  Sort Key: created_at\n  Sort Method: external merge  Disk: 10240kB\n")  # fmt: skip
    got = findings(text, "sort-spill")
    assert len(got) == 1 and "spilled 10.0 MB to disk" in got[0].message and "SET work_mem = '20MB'" in got[0].message
    assert findings(text.replace("external merge  Disk: 10240kB", "quicksort  Memory: 25kB"), "sort-spill") == []


def test_hash_spills_and_batches_on_fixtures():
    got = findings(fixture_text("from-text/47-planned-partitions-plan"), "hashagg-spill")
    assert len(got) == 1 and "193 batches" in got[0].message
    got = findings(fixture_text("from-text/45-buckets-plan"), "hash-batches")
    assert [(d.node, d.severity) for d in got] == [(2, "warning")] and "16 batches" in got[0].message
    assert findings(fixture_text("line-wrapped/01-plan"), "hash-batches") == []  # Batches: 1


def test_lossy_bitmap():
    text = ("Bitmap Heap Scan on t  (cost=1.0..2.0 rows=100 width=8) (actual time=5.0..80.0 rows=100 loops=1)\n"
            "  Recheck Cond: (x = 1)\n  Heap Blocks: exact=120 lossy=2048\n"
            "  ->  Bitmap Index Scan on t_x  (cost=0.0..1.0 rows=100 width=0) (actual time=5.0..5.0 rows=100 loops=1)\n")  # fmt: skip
    got = findings(text, "lossy-bitmap")
    assert len(got) == 1 and "2,048" in got[0].message
    assert findings(text.replace(" lossy=2048", ""), "lossy-bitmap") == []


def test_nested_loop_with_many_inner_loops():
    got = findings(fixture_text("from-text/23-plan"), "nested-loop-loops")
    assert [d.node for d in got] == [1] and "25,112 times" in got[0].message
    assert findings(CLEAN, "nested-loop-loops") == []


def test_heap_fetches_on_index_only_scan():
    extra = "  Index Cond: (id > 5)\n  Heap Fetches: 5000\n"
    got = findings(scan(10_000, plan_rows=10_000, extra=extra, node="Index Only Scan using t_pkey on t"), "heap-fetches")
    assert len(got) == 1 and "VACUUM t" in got[0].message
    assert findings(fixture_text("from-text/43-index-name-parsing-plan"), "heap-fetches") == []  # Heap Fetches: 0


def test_planning_slower_than_execution():
    text = scan(10, plan_rows=10) + "Planning Time: 12.500 ms\nExecution Time: 3.000 ms\n"
    got = findings(text, "planning-time")
    assert len(got) == 1 and got[0].node is None and "12.5 ms" in got[0].message
    assert findings(fixture_text("from-text/27-plan"), "planning-time") == []


def test_workers_planned_but_not_launched():
    text = ("Gather  (cost=1.0..2.0 rows=100 width=8) (actual time=5.0..80.0 rows=100 loops=1)\n"
            "  Workers Planned: 4\n  Workers Launched: 1\n"
            "  ->  Parallel Seq Scan on t  (cost=0.0..1.0 rows=50 width=8) (actual time=0.1..70.0 rows=50 loops=2)\n")  # fmt: skip
    got = findings(text, "workers-not-launched")
    assert [d.node for d in got] == [0] and "planned 4" in got[0].message and "got 1" in got[0].message
    assert findings(fixture_text("line-wrapped/05-plan"), "workers-not-launched") == []


def test_jit_taking_a_large_share():
    got = findings(fixture_text("from-text/31-plan"), "jit")
    assert len(got) == 1 and got[0].node is None and "2.4 ms" in got[0].message


def test_large_offset():
    text = ("Limit  (cost=1.0..2.0 rows=20 width=8) (actual time=90.0..90.1 rows=20 loops=1)\n"
            "  ->  Index Scan using t_pkey on t  (cost=0.0..1.0 rows=100020 width=8) (actual time=0.1..85.0 rows=100020 loops=1)\n")  # fmt: skip
    got = findings(text, "large-offset")
    assert len(got) == 1 and "100,020" in got[0].message
    plain = text.replace("rows=100020 loops", "rows=21 loops")
    assert findings(plain, "large-offset") == []


def test_slowest_node_and_ordering():
    plan, found = analyze(fixture_text("from-text/37-plan"))
    slow = [d for d in found if d.rule == "slowest-node"]
    assert [(d.node, d.severity) for d in slow] == [(0, "warning")]  # the Sort: 85% of 21 s
    severities = [d.severity for d in found]
    assert severities == sorted(severities, key=["critical", "warning", "info"].index)
    assert diagnose(plan) == found


def test_function_scan_estimates():
    own = findings(fixture_text("cte-exclusive-time/01.plan"), "row-estimate")
    assert any("ALTER FUNCTION find_all_id_under_node ROWS 6" in d.message for d in own)
    builtin = [d for d in findings(fixture_text("from-text/19-plan"), "row-estimate") if "generate_series" in d.message]
    assert len(builtin) == 1 and "ALTER FUNCTION" not in builtin[0].message


SUBPLAN_SCAN = """
Seq Scan on clients c  (cost=0.00..35.50 rows=2550 width=4) (actual time=0.010..12.000 rows=50 loops=1)
  SubPlan 1
    ->  Seq Scan on leads  (cost=0.00..120.00 rows=1 width=8) (actual time=0.200..0.240 rows=1 loops=50)
          Filter: (converted_client_id = c.id)
          Rows Removed by Filter: 4999
"""


def test_seq_scan_finding_names_table_and_columns_and_carries_the_index():
    got = findings(SUBPLAN_SCAN, "seq-scan-filter")
    assert len(got) == 1
    assert "An index on leads (converted_client_id)" in got[0].message
    assert got[0].index.table == "leads" and got[0].index.columns == ("converted_client_id",)
    assert got[0].index.schema is None  # not printed without VERBOSE: the page looks it up
    hostile = SUBPLAN_SCAN.replace("on leads", 'on "Le""ads {x} <b>"').replace("converted_client_id =", '"Conv id" =')
    got = findings(hostile, "seq-scan-filter")
    assert got[0].index.text == '"Le""ads {x} <b>" ("Conv id")'
    # columns it cannot name: the finding still names the table and shows the Filter
    got = findings(SUBPLAN_SCAN.replace("(converted_client_id = c.id)", "((converted_client_id + 1) = c.id)"),
                   "seq-scan-filter")
    assert got[0].index is None and "An index on leads over the columns its Filter tests" in got[0].message
