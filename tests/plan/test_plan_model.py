"""Each node's own time, buffers and row estimates; expected figures are worked out by hand
from the numbers printed in the plans."""

from __future__ import annotations

import pytest

from lib.plan import build_plan, parse_plan
from tests.fixtures_path import PEV2

ALL_PLANS = [
    p for folder in ("from-text", "line-wrapped", "psql-frames", "cte-exclusive-time")
    for p in sorted((PEV2 / folder).iterdir()) if p.name.endswith(("-plan", ".plan"))
]  # fmt: skip


def plan_of(text: str):
    return build_plan(parse_plan(text)[0])


def fixture(name: str):
    return plan_of((PEV2 / name).read_text(encoding="utf-8"))


TIMED = [p for p in ALL_PLANS if plan_of(p.read_text(encoding="utf-8")).timed]


def test_most_fixtures_have_timings():
    assert len(TIMED) >= 40
    assert {p.name for p in TIMED} >= {"01.plan", "02.plan", "03.plan"}  # all CTE fixtures


@pytest.mark.parametrize("path", TIMED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_exclusive_times_add_up_to_the_root(path):
    plan = plan_of(path.read_text(encoding="utf-8"))
    root_total = plan.root.actual_total_ms * plan.root.loops  # as printed on the root's line
    assert abs(sum(n.exclusive_ms for n in plan.nodes) - root_total) <= 0.01 * root_total
    # and no node is pushed below zero to make the sum come out right
    assert min(n.exclusive_ms for n in plan.nodes) >= -0.01 * root_total
    assert abs(sum(n.share for n in plan.nodes) - 1) <= 0.01


def test_cte_time_is_counted_once():
    plan = fixture("cte-exclusive-time/02.plan")
    append, cte_root, scan_x, scan_x1 = plan.nodes
    assert cte_root.subplan_name == "CTE x"
    # the CTE's 504.880 ms runs inside the first scan (504.937 ms), not beside it
    assert append.exclusive_ms == pytest.approx(504.954 - 504.937 - 0.007, abs=1e-6)
    assert scan_x.exclusive_ms == pytest.approx(504.937 - 504.880, abs=1e-6)
    assert scan_x1.exclusive_ms == pytest.approx(0.007, abs=1e-6)
    assert cte_root.exclusive_ms == pytest.approx(504.880, abs=1e-6)


def test_cte_attached_to_its_own_scan_in_a_loop():
    plan = fixture("cte-exclusive-time/01.plan")
    scan = next(n for n in plan.nodes if n.node_type == "CTE Scan")
    assert scan.inclusive_ms == pytest.approx(0.650 * 4379)
    assert scan.exclusive_ms == pytest.approx(0.650 * 4379 - 0.607 * 4379)


def test_subplan_and_initplan_are_subtracted_from_the_node_using_them():
    plan = fixture("from-text/13-plan")
    scan = plan.root
    assert scan.exclusive_ms == pytest.approx(11.416 - 0.004 - 0.043 * 226)


INITPLAN_IN_CHILD = """
Limit  (cost=10906.32..10906.34 rows=5 width=228) (actual time=30.339..30.343 rows=5.00 loops=1)
  Buffers: shared hit=6674
  InitPlan 1
    ->  Aggregate  (cost=847.00..847.01 rows=1 width=4) (actual time=3.585..3.587 rows=1.00 loops=1)
          Buffers: shared hit=222
          ->  Seq Scan on u  (cost=0.00..722.00 rows=50000 width=4) (actual time=0.004..1.890 rows=50000.00 loops=1)
                Buffers: shared hit=222
  ->  Sort  (cost=10059.31..10225.98 rows=66667 width=228) (actual time=30.337..30.338 rows=5.00 loops=1)
        Sort Key: t.email
        Sort Method: top-N heapsort  Memory: 26kB
        Buffers: shared hit=6674
        ->  Seq Scan on t  (cost=0.00..8952.00 rows=66667 width=228) (actual time=3.595..16.443 rows=200000.00 loops=1)
              Filter: (n < (InitPlan 1).col1)
              Buffers: shared hit=6674
"""


@pytest.mark.parametrize("ref", ["(InitPlan 1).col1", "$0"])
def test_initplan_is_charged_to_the_node_that_reads_its_result(ref):
    text = INITPLAN_IN_CHILD.replace("(InitPlan 1).col1", ref)
    if ref == "$0":
        text = text.replace("InitPlan 1\n", "InitPlan 1 (returns $0)\n")
    limit, agg, _u, sort, scan = plan_of(text).nodes
    # PostgreSQL hangs the InitPlan on the Limit, but the Seq Scan's filter runs it
    assert scan.exclusive_ms == pytest.approx(16.443 - 3.587)
    assert limit.exclusive_ms == pytest.approx(30.343 - 30.338)
    assert sort.exclusive_ms == pytest.approx(30.338 - 16.443)
    assert scan.exclusive_buffers["shared_hit"] == 6674 - 222
    assert limit.exclusive_buffers["shared_hit"] == 0
    assert agg.exclusive_ms == pytest.approx(3.587 - 1.890)


def test_parallel_nodes_are_divided_by_the_processes_that_ran_them():
    plan = fixture("line-wrapped/05-plan")
    gather, hash_join, append, scan2, scan1, scan3, hash_node, index_scan = plan.nodes
    assert gather.inclusive_ms == pytest.approx(7326.941)
    assert hash_join.parallel_divisor == 3  # loops=3 under a Gather with loops=1
    assert hash_join.inclusive_ms == pytest.approx(6055.501)
    assert scan2.inclusive_ms == pytest.approx(2549.397 / 3)  # one process, seen over three
    assert scan3.inclusive_ms == pytest.approx(830.177)
    assert gather.exclusive_ms == pytest.approx(7326.941 - 6055.501)
    assert append.exclusive_ms == pytest.approx(4221.754 - (2549.397 + 2273.576 + 830.177 * 3) / 3)
    # buffers are totals over all processes, not averages: no division
    assert scan2.exclusive_buffers["shared_read"] == 5645


def test_exclusive_buffers_and_io_time():
    plan = fixture("from-text/45-buckets-plan")
    hash_join, details, hash_node, entetes = plan.nodes
    assert hash_join.exclusive_buffers["shared_read"] == 282899 - 184171 - 98728
    assert hash_join.exclusive_buffers["temp_written"] == 246065 - 88109
    assert hash_join.exclusive_buffers["temp_read"] == 246065
    assert hash_node.exclusive_buffers["temp_written"] == 88109
    assert hash_node.exclusive_buffers["shared_hit"] == 0
    assert hash_join.exclusive_io_ms == pytest.approx((242.957 + 317.342 + 830.025) - 157.615 - (85.342 + 294.483))
    assert hash_node.exclusive_io_ms == pytest.approx(294.483)
    assert entetes.rows_removed_by_filter == 101
    assert entetes.removed_share == pytest.approx(101 / (101 + 9999900))


def test_row_estimates():
    plan = fixture("from-text/19-plan")
    g = next(n for n in plan.nodes if n.alias == "g")
    assert (g.plan_rows, g.actual_rows) == (38, 2443)
    assert g.estimate_factor == pytest.approx(2443 / 38) and g.estimate_direction == "under"
    z_hash = next(n for n in plan.nodes if n.node_type == "Hash" and n.plan_rows == 207928)
    assert z_hash.estimate_factor == pytest.approx(207928 / 2778) and z_hash.estimate_direction == "over"
    gp = next(n for n in plan.nodes if n.alias == "gp" and n.node_type == "Index Scan")
    assert gp.loops == 1252 and gp.total_rows == 91 * 1252


def test_never_executed_nodes():
    plan = fixture("from-text/15-plan")
    hash_node = plan.nodes[2]
    assert hash_node.never_executed and hash_node.inclusive_ms == 0
    assert hash_node.estimate_factor is None


def test_costs_only_plan_shares_cost():
    plan = fixture("from-text/09-plan")
    assert not plan.timed and not plan.analyzed
    limit, loop, seq, idx = plan.nodes
    assert limit.exclusive_cost == 0  # a Limit costs a fraction of its input
    assert loop.exclusive_cost == pytest.approx(335.20 - 14.00 - 0.31)
    assert seq.share == pytest.approx(14.00 / 335.20)
    assert [n.parent for n in plan.nodes] == [None, 0, 1, 1]
    assert [n.depth for n in plan.nodes] == [0, 1, 2, 2]
    assert (idx.index_name, idx.relation, idx.alias) == ("test_pkey", "test", "t1")


def test_plan_level_figures():
    plan = fixture("from-text/31-plan")
    assert (plan.planning_ms, plan.execution_ms) == (0.052, 2.625)
    assert plan.jit_ms == 2.414
    plan = fixture("from-text/41-planning-buffers-plan")
    assert plan.planning_buffers["shared_hit"] == 2055 and plan.planning_buffers["shared_read"] == 10
    assert plan.total_buffers["shared_hit"] == 27082613


PARALLEL_INITPLAN = """
Finalize Aggregate  (cost=4316.09..4316.10 rows=1 width=8) (actual time=50.900..51.185 rows=1.00 loops=1)
  InitPlan 1
    ->  Finalize Aggregate  (cost=534.51..534.52 rows=1 width=4) (actual time=18.186..18.284 rows=1.00 loops=1)
          ->  Gather  (cost=534.49..534.50 rows=2 width=4) (actual time=15.135..18.273 rows=3.00 loops=1)
                Workers Planned: 2
                Workers Launched: 2
                ->  Partial Aggregate  (cost=534.49..534.50 rows=1 width=4) (actual time=6.628..6.629 rows=1.00 loops=3)
                      ->  Parallel Seq Scan on u  (cost=0.00..482.42 rows=20831 width=4) (actual time=0.006..6.080 rows=16665.00 loops=3)
  ->  Gather  (cost=3781.56..3781.57 rows=2 width=8) (actual time=50.889..51.078 rows=3.00 loops=1)
        Workers Planned: 2
        Workers Launched: 2
        ->  Partial Aggregate  (cost=3781.56..3781.57 rows=1 width=8) (actual time=22.171..22.172 rows=1.00 loops=3)
              ->  Parallel Seq Scan on t  (cost=0.00..3746.83 rows=13889 width=0) (actual time=0.006..11.765 rows=33333.33 loops=3)
                    Filter: (n < (InitPlan 1).col1)
"""


def test_initplan_used_by_parallel_workers_is_charged_to_their_gather():
    plan = plan_of(PARALLEL_INITPLAN)
    root, _init, _g1, _pa1, _u, gather, partial, scan = plan.nodes
    # the Gather evaluates the InitPlan before it starts the workers that filter on it
    assert gather.exclusive_ms == pytest.approx(51.078 - 22.172 - 18.284)
    assert partial.exclusive_ms == pytest.approx(22.172 - 11.765)
    assert root.exclusive_ms == pytest.approx(51.185 - 51.078)
    assert scan.exclusive_ms == pytest.approx(11.765)
