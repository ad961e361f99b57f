"""Issues 12 and 15 on plans made by real PostgreSQL (15 and 18), TEXT and JSON of each:
no negative own time, no false row-estimate alarms on nodes stopped early, the parallel
accounting. Expected figures are read from the printed plan, not from the code under test."""

from __future__ import annotations

import json

import psycopg
import pytest
from psycopg import sql

from lib.plan import analyze, parse_plan
from tests import servers

PARALLEL = ("SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; "
            "SET max_parallel_workers_per_gather = 2")  # fmt: skip
NO_HASH = "SET enable_hashjoin = off; SET enable_mergejoin = off"
FORMATS = ("TEXT", "JSON")


@pytest.fixture(scope="module")
def shop(pg) -> str:
    """customers (20,000) and orders (200,000, 50 customers; city and zip the same value: correlated)."""
    url = servers.create_database(pg, prefix="plans", extensions=())
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE customers (id int PRIMARY KEY, region int, name text)")
        conn.execute("INSERT INTO customers SELECT i, i % 10, 'c' || i FROM generate_series(1, 20000) i")
        conn.execute("CREATE TABLE orders (id int PRIMARY KEY, customer_id int, amount int, city int, zip int)")
        conn.execute("INSERT INTO orders SELECT i, i % 50 + 1, i % 1000, i % 100, i % 100 "
                     "FROM generate_series(1, 200000) i")  # fmt: skip
        conn.execute("CREATE INDEX ON orders (customer_id)")
        conn.execute("VACUUM ANALYZE customers")
        conn.execute("VACUUM ANALYZE orders")
    return url


def explain(url: str, query: str, fmt: str, setup: str = "", verbose: bool = False) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET max_parallel_workers_per_gather = 0")
        for stmt in filter(None, (s.strip() for s in setup.split(";"))):
            conn.execute(stmt)
        options = sql.SQL("ANALYZE, BUFFERS, VERBOSE, " if verbose else "ANALYZE, BUFFERS, ") + sql.SQL("FORMAT " + fmt)
        rows = conn.execute(sql.SQL("EXPLAIN ({}) ").format(options) + sql.SQL(query)).fetchall()
    return "\n".join(r[0] for r in rows) if fmt == "TEXT" else json.dumps(rows[0][0])


def analyzed(url: str, query: str, fmt: str, setup: str = "", verbose: bool = False):
    return analyze(explain(url, query, fmt, setup, verbose))


def assert_sound(plan) -> None:
    """No negative own time, no share above 100%, shares add up to 100%."""
    assert min(n.exclusive_ms for n in plan.nodes) >= 0
    assert max(n.share for n in plan.nodes) <= 1
    assert sum(n.share for n in plan.nodes) == pytest.approx(1, abs=0.001)


def printed(text_or_json: str) -> list[dict]:
    """The nodes as printed (pre-order), straight from the parsed plan."""
    out, stack = [], [parse_plan(text_or_json)[0]["Plan"]]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.get("Plans") or []))
    return out


# -- issue 12: negative own times ----------------------------------------------------------------------
SUBPLAN_IN_INDEX_COND = ("SELECT c.id, o.amount FROM customers c JOIN orders o ON o.id = "
                         "(SELECT max(o2.id) FROM orders o2 WHERE o2.customer_id = c.id AND o2.amount % 7 = 3) "
                         "WHERE c.id <= 50")  # fmt: skip
MEMOIZE = "SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id < 5000"


@pytest.mark.parametrize("fmt", FORMATS)
def test_subplan_in_index_cond_is_not_a_negative_time(shop, fmt):
    text = explain(shop, SUBPLAN_IN_INDEX_COND, fmt, NO_HASH)
    raw = printed(text)
    scan = next(n for n in raw if n.get("Relation Name") == "orders" and n.get("Alias") == "o")
    subplan = next(n for n in raw if n.get("Parent Relationship") == "SubPlan")
    assert "SubPlan" in scan["Index Cond"]
    scan_ms = scan["Actual Total Time"] * scan["Actual Loops"]
    sub_ms = subplan["Actual Total Time"] * subplan["Actual Loops"]
    assert sub_ms > scan_ms  # the shape of issue 12: the SubPlan's time is not inside the scan's

    plan, _found = analyze(text)
    assert_sound(plan)
    node = next(n for n in plan.nodes if n.relation == "orders" and n.alias == "o")
    assert node.exclusive_ms == 0
    assert node.outside_ms == pytest.approx(sub_ms - scan_ms, abs=0.002)
    assert any("index condition" in note and "outside" in note for note in node.notes)
    loop = plan.nodes[node.parent]
    assert loop.node_type == "Nested Loop" and loop.exclusive_ms >= 0
    # what the scan could not hold was spent in the Nested Loop, which restarts it
    other = plan.nodes[loop.children[0]]
    assert loop.exclusive_ms == pytest.approx(loop.inclusive_ms - other.inclusive_ms - sub_ms, abs=0.002)


@pytest.mark.parametrize("fmt", FORMATS)
def test_memoize_rounded_to_zero_is_not_a_negative_time(shop, fmt):
    text = explain(shop, MEMOIZE, fmt, NO_HASH)
    plan, _found = analyze(text)
    memo = next(n for n in plan.nodes if n.node_type == "Memoize")
    child = plan.nodes[memo.children[0]]
    assert memo.loops > child.loops  # served from its cache
    assert_sound(plan)
    assert memo.exclusive_ms >= 0
    if child.inclusive_ms > memo.inclusive_ms:  # the per-loop time printed as 0.000 ms
        assert memo.outside_ms == pytest.approx(child.inclusive_ms - memo.inclusive_ms)
        assert any("rounded to 0.001 ms" in note for note in memo.notes)


# -- issue 15: row estimates of nodes stopped early -------------------------------------------------------
LIMITS = "SELECT * FROM customers WHERE region = (SELECT city FROM orders WHERE amount > 5 LIMIT 1) ORDER BY name LIMIT 10"
SEMI = "SELECT * FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.amount > 500) AND c.id < 100"
EXISTS_SUBPLAN = ("SELECT c.id FROM customers c WHERE c.id < 60 AND (EXISTS (SELECT 1 FROM orders o "
                  "WHERE o.customer_id = c.id AND o.amount > c.region * 100) OR c.region = 3)")  # fmt: skip
CORRELATED = "SELECT * FROM orders WHERE city = 5 AND zip = 5"
CORRELATED_LIMITED = "SELECT * FROM orders WHERE city = 5 AND zip = 5 ORDER BY amount LIMIT 10"
CORRELATED_LIMIT = "SELECT * FROM orders WHERE city = 5 AND zip = 5 LIMIT 1000"


def estimate_alarms(plan, found) -> dict[str, str]:
    return {plan.nodes[d.node].label + " " + (plan.nodes[d.node].relation or ""): d.severity
            for d in found if d.rule == "row-estimate"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_limit_and_initplan_limit_are_not_bad_estimates(shop, fmt):
    plan, found = analyzed(shop, LIMITS, fmt)
    sort = next(n for n in plan.nodes if n.node_type == "Sort")
    init_scan = next(n for n in plan.nodes if n.relation == "orders")
    assert sort.plan_rows >= 1000 and sort.actual_rows == 10  # 2,000 expected, 10 returned
    assert init_scan.plan_rows >= 100_000 and init_scan.actual_rows == 1
    assert estimate_alarms(plan, found) == {}
    assert "Limit" in sort.stopped_early and "Limit" in init_scan.stopped_early
    assert sort.estimate_factor is None
    assert any("not judged" in note for note in sort.notes)
    # the Seq Scan below the Sort was read to its end: its estimate is comparable, and right
    below = plan.nodes[sort.children[0]]
    assert below.stopped_early is None and below.estimate_factor == pytest.approx(1, rel=0.2)


@pytest.mark.parametrize("fmt", FORMATS)
def test_semi_join_and_exists_inner_sides_are_not_bad_estimates(shop, fmt):
    plan, found = analyzed(shop, SEMI, fmt, NO_HASH)
    inner = next(n for n in plan.nodes if n.relation == "orders")
    assert plan.root.label == "Nested Loop Semi Join" and inner.plan_rows > 1000 and inner.actual_rows <= 1
    assert "semi join" in inner.stopped_early
    assert estimate_alarms(plan, found) == {}
    plan, found = analyzed(shop, EXISTS_SUBPLAN, fmt)
    sub = next(n for n in plan.nodes if n.relationship == "SubPlan")
    assert sub.plan_rows > 1000 and sub.actual_rows <= 1
    assert "EXISTS" in sub.stopped_early
    assert estimate_alarms(plan, found) == {}


@pytest.mark.parametrize("fmt", FORMATS)
def test_merge_join_side_stopped_when_the_other_ends(shop, fmt):
    plan, found = analyzed(shop, "SELECT c.name, o.amount FROM customers c JOIN orders o ON o.customer_id = c.id",
                           fmt, "SET enable_hashjoin = off; SET enable_nestloop = off")
    assert plan.root.node_type == "Merge Join"
    customers = next(n for n in plan.nodes if n.relation == "customers")
    assert customers.plan_rows == 20000 and customers.actual_rows <= 60  # orders reach customer 50 only
    assert "Merge Join" in customers.stopped_early
    assert estimate_alarms(plan, found) == {}


@pytest.mark.parametrize("fmt", FORMATS)
def test_real_misestimates_are_still_flagged(shop, fmt):
    plan, found = analyzed(shop, CORRELATED, fmt)  # city and zip always equal: 1% x 1% planned, 1% real
    assert estimate_alarms(plan, found) == {"Seq Scan orders": "warning"}
    plan, found = analyzed(shop, CORRELATED_LIMITED, fmt)
    assert estimate_alarms(plan, found) == {"Seq Scan orders": "warning"}  # below the Sort: read whole
    plan, found = analyzed(shop, CORRELATED_LIMIT, fmt)
    scan = next(n for n in plan.nodes if n.relation == "orders")
    assert scan.stopped_early  # stopped by the Limit, and still more rows than planned: an underestimate
    assert estimate_alarms(plan, found) == {"Seq Scan orders": "warning"}


# -- issue 15: a Gather's own time ---------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("leader", ["on", "off"])
def test_parallel_accounting_follows_the_instrumentation(shop, fmt, leader):
    setup = f"{PARALLEL}; SET parallel_leader_participation = {leader}"
    text = explain(shop, "SELECT * FROM orders WHERE amount < 900", fmt, setup)
    raw = printed(text)
    gather, scan = raw[0], raw[1]
    assert gather["Node Type"] == "Gather" and scan["Node Type"] == "Seq Scan" and scan["Parallel Aware"]
    launched = gather["Workers Launched"]
    processes = launched + (1 if leader == "on" or not launched else 0)  # no worker: the leader runs it
    assert scan["Actual Loops"] == processes  # one loop per process
    plan, _found = analyze(text)
    assert_sound(plan)
    g, s = plan.nodes[0], plan.nodes[1]
    assert s.parallel_divisor == processes
    # per-loop time is the average over processes: time x loops / processes is that average
    assert s.inclusive_ms == pytest.approx(scan["Actual Total Time"])
    assert g.exclusive_ms == pytest.approx(gather["Actual Total Time"] - scan["Actual Total Time"])
    note = " ".join(g.notes)
    assert "leader" in note and f"{processes} processes" in note and "average" in note


@pytest.mark.parametrize("fmt", FORMATS)
def test_parallel_verbose_counts_the_slowest_process(shop, fmt):
    text = explain(shop, "SELECT * FROM orders WHERE amount < 900", fmt, PARALLEL, verbose=True)
    gather, scan = printed(text)[:2]
    workers = [w["Actual Total Time"] for w in scan.get("Workers", [])]
    if not workers:
        pytest.skip("no worker launched (the pool was busy)")
    total = scan["Actual Total Time"] * scan["Actual Loops"]
    slowest = max([*workers, total - sum(workers)])  # the leader's part is what the workers do not account for
    plan, _found = analyze(text)
    assert_sound(plan)
    assert plan.nodes[1].inclusive_ms == pytest.approx(slowest, rel=1e-6)
    assert plan.nodes[0].exclusive_ms == pytest.approx(gather["Actual Total Time"] - slowest, rel=1e-6)
    assert "slowest process's" in " ".join(plan.nodes[0].notes)
