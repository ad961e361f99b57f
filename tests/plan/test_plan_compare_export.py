"""Before/after comparison and the JSON export."""

from __future__ import annotations

import json

import pytest

from lib.plan import analyze, build_plan, compare, parse_plan, to_json

BEFORE = """
Hash Join  (cost=10.0..3000.0 rows=10 width=8) (actual time=0.5..120.0 rows=12 loops=1)
  Hash Cond: (o.client_id = c.id)
  Buffers: shared hit=100 read=5000
  ->  Seq Scan on orders o  (cost=0.0..2900.0 rows=10 width=8) (actual time=0.1..115.0 rows=12 loops=1)
        Filter: (status = 'late'::text)
        Rows Removed by Filter: 199988
        Buffers: shared hit=90 read=5000
  ->  Hash  (cost=5.0..5.0 rows=100 width=4) (actual time=0.3..0.3 rows=100 loops=1)
        ->  Seq Scan on clients c  (cost=0.0..5.0 rows=100 width=4) (actual time=0.01..0.1 rows=100 loops=1)
              Buffers: shared hit=10
Execution Time: 121.000 ms
"""

AFTER = """
Hash Join  (cost=10.0..60.0 rows=10 width=8) (actual time=0.4..1.5 rows=12 loops=1)
  Hash Cond: (o.client_id = c.id)
  Buffers: shared hit=30
  ->  Index Scan using orders_status_idx on orders o  (cost=0.4..50.0 rows=10 width=8) (actual time=0.05..1.0 rows=12 loops=1)
        Index Cond: (status = 'late'::text)
        Buffers: shared hit=20
  ->  Hash  (cost=5.0..5.0 rows=100 width=4) (actual time=0.3..0.3 rows=100 loops=1)
        ->  Seq Scan on clients c  (cost=0.0..5.0 rows=100 width=4) (actual time=0.01..0.1 rows=100 loops=1)
              Buffers: shared hit=10
Execution Time: 2.000 ms
"""


def plan_of(text):
    return build_plan(parse_plan(text)[0])


def test_seq_scan_that_became_an_index_scan():
    result = compare(plan_of(BEFORE), plan_of(AFTER))
    assert result.metric == "ms"
    assert (result.before_total, result.after_total) == (121.0, 2.0)
    assert result.speedup == pytest.approx(60.5)
    assert result.before_buffers["shared_read"] == 5000 and result.after_buffers["shared_read"] == 0
    changed = [c for c in result.changes if c.kind == "scan-changed"]
    assert len(changed) == 1
    c = changed[0]
    assert (c.before_label, c.after_label, c.relation) == ("Seq Scan", "Index Scan", "orders")
    assert "Seq Scan became Index Scan on orders" in c.message
    assert (c.before_ms, c.after_ms) == (pytest.approx(115.0), pytest.approx(1.0))
    same = {(c.before_label, c.relation) for c in result.changes if c.kind == "same"}
    assert same == {("Hash Join", None), ("Hash", None), ("Seq Scan", "clients")}
    assert not [c for c in result.changes if c.kind in ("added", "removed")]
    assert json.loads(json.dumps(result.to_json()))["speedup"] == pytest.approx(60.5)


def test_nodes_that_appear_or_disappear():
    after = AFTER.replace(
        "  ->  Index Scan using orders_status_idx on orders o  (cost=0.4..50.0 rows=10 width=8) (actual time=0.05..1.0 rows=12 loops=1)\n"
        "        Index Cond: (status = 'late'::text)\n",
        "  ->  Bitmap Heap Scan on orders o  (cost=0.4..50.0 rows=10 width=8) (actual time=0.05..1.0 rows=12 loops=1)\n"
        "        Recheck Cond: (status = 'late'::text)\n"
        "        ->  Bitmap Index Scan on orders_status_idx  (cost=0.0..0.4 rows=10 width=0) (actual time=0.01..0.01 rows=12 loops=1)\n",
    )
    result = compare(plan_of(BEFORE), plan_of(after))
    kinds = {(c.kind, c.before_label, c.after_label) for c in result.changes}
    assert ("scan-changed", "Seq Scan", "Bitmap Heap Scan") in kinds
    assert ("added", None, "Bitmap Index Scan") in kinds


def test_costs_only_comparison():
    strip = lambda t: "\n".join(line.split(" (actual")[0] for line in t.splitlines() if "Time" not in line)  # noqa: E731
    result = compare(plan_of(strip(BEFORE)), plan_of(strip(AFTER)))
    assert result.metric == "cost"
    assert (result.before_total, result.after_total) == (3000.0, 60.0)


def test_json_export_shape():
    plan, found = analyze(BEFORE)
    out = json.loads(json.dumps(to_json(plan, found)))
    assert out["execution_ms"] == 121.0 and out["planning_ms"] is None
    nodes = out["nodes"]
    assert [n["node_type"] for n in nodes] == ["Hash Join", "Seq Scan", "Hash", "Seq Scan"]
    assert [n["parent"] for n in nodes] == [None, 0, 0, 2]
    seq = nodes[1]
    assert (seq["relation"], seq["alias"], seq["actual_rows"], seq["plan_rows"], seq["loops"]) == (
        "orders", "o", 12, 10, 1)
    assert seq["inclusive_ms"] == 115.0 and seq["exclusive_ms"] == 115.0
    assert seq["estimate_factor"] == 1.2 and seq["estimate_direction"] == "under"
    assert seq["rows_removed_by_filter"] == 199988
    assert seq["buffers"]["shared_read"] == 5000 and nodes[0]["buffers"]["shared_read"] == 0
    assert seq["details"]["Filter"] == "(status = 'late'::text)"
    assert nodes[0]["exclusive_ms"] == pytest.approx(120.0 - 115.0 - 0.3)
    rules = {d["rule"] for d in out["diagnostics"]}
    assert "seq-scan-filter" in rules
    d = next(d for d in out["diagnostics"] if d["rule"] == "seq-scan-filter")
    assert set(d) == {"rule", "node", "severity", "message"} and d["node"] == 1
