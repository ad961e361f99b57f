"""What is wrong with a plan, in plain words and with what to do.

`diagnose(plan)` runs every rule and returns Diagnostics, most severe and costly first.
Each rule reads the measured nodes of lib/plan/model.py; thresholds are here, one place.
A diagnostic about the plan as a whole (planning time, JIT) has node=None.
"""

import math
from dataclasses import dataclass

from lib.core.fmt import fmt_bytes, fmt_ms
from lib.plan.filters import filter_terms, quote_ident
from lib.plan.model import Node, Plan

# The slowest node is "hot" past this share of the time: most of the query is in one place.
HOT_SHARE = 0.5
# ...and the plan is worth the attention past this total (the guide's slow-query line).
SLOW_PLAN_MS = 100.0
# Row estimates off by 10x mislead join and scan choices; 100x usually means correlated
# columns the planner cannot see; 1000x makes nearly any plan choice a gamble.
ESTIMATE_WARNING = 10.0
ESTIMATE_SEVERE = 100.0
ESTIMATE_CRITICAL = 1000.0
# Below this many rows (the larger of estimate and actual, over all loops) a bad estimate
# cannot cost much.
ESTIMATE_MIN_ROWS = 100
# A sequential scan worth an index reads at least this many rows...
SEQ_SCAN_MIN_ROWS = 10_000
# ...and its filter throws away at least this share of them (an index reads only the rest).
SEQ_SCAN_REMOVED_SHARE = 0.9
# A function over a column defeats a plain index once the filter discards this share.
FUNCTION_REMOVED_SHARE = 0.5
# A Nested Loop whose inner side runs this often pays per-loop costs that a hash join avoids.
NESTED_LOOP_MAX_LOOPS = 10_000
# An index-only scan that visits the heap for this share of its rows is not index-only.
HEAP_FETCH_SHARE = 0.1
HEAP_FETCH_MIN = 1_000  # fewer fetches than this cost next to nothing
# Planning time only matters when it is measurable.
PLANNING_MIN_MS = 1.0
# JIT compilation pays off on long queries; past this share of execution it is overhead.
JIT_SHARE = 0.1
# A Limit whose input produced this many times more rows than it returned skips them (OFFSET).
OFFSET_RATIO = 10
OFFSET_MIN_ROWS = 1_000  # skipping fewer rows than this is cheap
# Sorting in memory needs more than the on-disk size: suggest this multiple of it.
WORK_MEM_FACTOR = 2

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
# built-in set-returning functions: ALTER FUNCTION ... ROWS is not the advice for these
BUILTIN_SRFS = {"generate_series", "unnest", "jsonb_array_elements", "json_array_elements", "jsonb_each",
                "json_each", "jsonb_to_recordset", "json_to_recordset", "regexp_matches", "regexp_split_to_table",
                "string_to_table", "generate_subscripts", "jsonb_array_elements_text", "json_array_elements_text"}


@dataclass(frozen=True)
class IndexSuggestion:
    """An index the plan asks for: on `table` (in `schema`, None when the plan does not print it)."""

    schema: str | None
    table: str
    columns: tuple[str, ...]

    @property
    def text(self) -> str:
        """'leads (converted_client_id)', names quoted where SQL needs it."""
        rel = quote_ident(self.table)
        rel = f"{quote_ident(self.schema)}.{rel}" if self.schema else rel
        return f"{rel} ({', '.join(quote_ident(c) for c in self.columns)})"


@dataclass(frozen=True)
class Diagnostic:
    rule: str
    node: int | None  # index in plan.nodes; None for the plan as a whole
    severity: str  # info, warning, critical
    message: str
    index: IndexSuggestion | None = None  # the index that fixes it, for a create-index action


def diagnose(plan: Plan) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for rule in RULES:
        found.extend(rule(plan))

    def key(d: Diagnostic):
        share = plan.nodes[d.node].share if d.node is not None else 1.0
        return SEVERITY_ORDER[d.severity], -share, d.node if d.node is not None else -1

    return sorted(found, key=key)


def name(node: Node) -> str:
    """How the node is called in messages: 'Seq Scan on public.orders'."""
    using = f" using {node.index_name}" if node.index_name and node.relation else ""
    if node.relation:
        rel = f"{node.schema}.{node.relation}" if node.schema else node.relation
        return f"{node.label}{using} on {rel}"
    if node.index_name:  # a Bitmap Index Scan names only its index
        return f"{node.label} on {node.index_name}"
    return node.label


def table(node: Node) -> str:
    rel = quote_ident(node.relation or "?")
    return f"{quote_ident(node.schema)}.{rel}" if node.schema else rel


def _fmt(n: float) -> str:
    return f"{n:,.0f}"


def _rows(n: float) -> str:
    return f"{_fmt(n)} row" if round(n) == 1 else f"{_fmt(n)} rows"


def slowest_node(plan: Plan):
    if len(plan.nodes) < 2:
        return
    node = max(plan.nodes, key=lambda n: n.share)
    what = fmt_ms(node.exclusive_ms) if plan.timed else f"cost {node.exclusive_cost:,.0f}"
    # without timings the plan may well be fast: pointing at the costliest node is information
    hot = plan.timed and node.share >= HOT_SHARE and plan.total_ms >= SLOW_PLAN_MS
    yield Diagnostic(
        "slowest-node", node.index, "warning" if hot else "info",
        f"{name(node)} takes the largest part of this plan: {what}, {node.share:.0%} of the total. "
        "A fix here pays the most.",
    )  # fmt: skip


def row_estimates(plan: Plan):
    for node in plan.nodes:
        f = node.estimate_factor
        if f is None or f < ESTIMATE_WARNING:
            continue
        if max(node.actual_rows or 0, node.plan_rows or 0) * max(node.loops or 1, 1) < ESTIMATE_MIN_ROWS:
            continue
        if any(_off_same_way(plan.nodes[c], node) for c in node.children):
            continue  # the error comes from below: report where it starts
        severity = "critical" if f >= ESTIMATE_CRITICAL else "warning"
        way = "more" if node.estimate_direction == "under" else "fewer"
        yield Diagnostic(
            "row-estimate", node.index, severity,
            f"{name(node)}: the planner expected {_rows(node.plan_rows)} per loop and got "
            f"{_fmt(node.actual_rows)} ({f:,.0f}x {way}). Plans built on wrong row counts pick "
            f"the wrong joins and scans. {_estimate_fix(node, f)}.",
        )  # fmt: skip


def _estimate_fix(node: Node, factor: float) -> str:
    if node.get("Relation Name"):
        fix = f"Run ANALYZE {table(node)} so the planner has fresh statistics"
        if factor >= ESTIMATE_SEVERE and node.get("Filter"):
            fix += ("; if that does not help, the filtered columns are probably correlated: "
                    "CREATE STATISTICS on them (then ANALYZE) lets the planner see it")
        return fix
    if node.node_type == "Function Scan" and node.relation:
        if node.schema == "pg_catalog" or node.relation in BUILTIN_SRFS:
            return ("The planner guesses the rows of set-returning functions: constant arguments, or the rows "
                    "in a temporary table with ANALYZE, give it real numbers")
        rows = max(node.actual_rows or 1, 1)
        return f"The planner cannot see inside the function: declare its usual row count (ALTER FUNCTION {node.relation} ROWS {rows:.0f})"
    fix = "This estimate is built from its inputs: run ANALYZE on the tables they read"
    if factor >= ESTIMATE_SEVERE:
        fix += "; for joins or filters on correlated columns, CREATE STATISTICS on those columns helps"
    return fix


def _off_same_way(child: Node, node: Node) -> bool:
    return (child.estimate_factor or 0) >= ESTIMATE_WARNING and child.estimate_direction == node.estimate_direction


def seq_scans(plan: Plan):
    for node in plan.nodes:
        if node.node_type != "Seq Scan" or not node.relation or node.removed_share is None:
            continue
        read = node.rows_removed_by_filter + (node.total_rows or 0)
        if read < SEQ_SCAN_MIN_ROWS or node.removed_share < SEQ_SCAN_REMOVED_SHARE:
            continue
        terms = filter_terms(node.get("Filter", ""))
        cols = terms.index_columns if terms else []
        index = IndexSuggestion(node.schema, node.relation, tuple(cols)) if cols else None
        if index:
            fix = (f"An index on {index.text} would let it read only the rows it keeps: "
                   f"CREATE INDEX ON {index.text};")
        elif terms and terms.expressions:
            fix = "The filter applies a function to the column, so only an expression index helps (see below)."
        else:
            fix = (f"An index on {table(node)} over the columns its Filter tests ({node.get('Filter')}) would let "
                   "it read only the rows it keeps.")
        yield Diagnostic(
            "seq-scan-filter", node.index, "warning",
            f"{name(node)} reads {_fmt(read)} rows and its filter throws away "
            f"{node.removed_share:.0%} of them. {fix}", index,
        )  # fmt: skip


def functions_in_filters(plan: Plan):
    for node in plan.nodes:
        if not node.relation or "Filter" not in node.raw or node.node_type == "CTE Scan":
            continue
        if plan.analyzed and (node.removed_share is None or node.removed_share < FUNCTION_REMOVED_SHARE):
            continue
        terms = filter_terms(node.get("Filter"))
        for expr in terms.expressions if terms else []:
            yield Diagnostic(
                "function-in-filter", node.index, "warning",
                f"{name(node)} filters on {expr}: an index on the bare column cannot serve a function "
                f"of it. Create an expression index: CREATE INDEX ON {table(node)} (({expr})); "
                "or rewrite the condition to compare the column itself.",
            )  # fmt: skip


def _mem(kb: float) -> str:
    """A work_mem value holding `kb`, rounded up to whole MB."""
    return f"{max(4, math.ceil(kb / 1024))}MB"


def spills(plan: Plan):
    for node in plan.nodes:
        disk = _sort_disk_kb(node)
        if disk:
            yield Diagnostic(
                "sort-spill", node.index, "warning",
                f"{name(node)} spilled {fmt_bytes(disk * 1024)} to disk because it did not fit in work_mem. "
                f"Raise work_mem for this query (SET work_mem = '{_mem(disk * WORK_MEM_FACTOR)}'), or sort fewer rows "
                "(an index in the sort order avoids the sort).",
            )  # fmt: skip
        batches = float(node.get("HashAgg Batches") or 0)
        used = float(node.get("Disk Usage") or 0)
        if batches > 1 or used > 0:
            yield Diagnostic(
                "hashagg-spill", node.index, "warning",
                f"{name(node)} spilled to disk ({_fmt(batches)} batches, {fmt_bytes(used * 1024)}). Raise work_mem "
                f"(or hash_mem_multiplier) for this query, e.g. SET work_mem = '{_mem(used * WORK_MEM_FACTOR)}'.",
            )  # fmt: skip


def _sort_disk_kb(node: Node) -> float:
    total = 0.0
    for part in [node.raw, *(node.get("Workers") or [])]:
        if part.get("Sort Space Type") == "Disk":
            total += float(part.get("Sort Space Used") or 0)
        for group in ("Full-sort Groups", "Pre-sorted Groups"):
            disk = (part.get(group) or {}).get("Sort Space Disk") or {}
            total += float(disk.get("Peak Sort Space Used") or 0)
    return total


def hash_batches(plan: Plan):
    for node in plan.nodes:
        batches = node.get("Hash Batches")
        if node.node_type != "Hash" or not batches or float(batches) <= 1:
            continue
        orig = float(node.get("Original Hash Batches") or batches)
        mem = float(node.get("Peak Memory Usage") or 0)
        grew = f" (planned {orig:.0f}: the row estimate was low)" if orig < float(batches) else ""
        yield Diagnostic(
            "hash-batches", node.index, "warning",
            f"{name(node)} was built in {float(batches):.0f} batches{grew}, writing the overflow to disk. "
            f"Raise work_mem for this query (about {_mem(mem * float(batches))} would hold it in one "
            "batch) or hash the smaller input.",
        )  # fmt: skip


def lossy_bitmaps(plan: Plan):
    for node in plan.nodes:
        lossy = float(node.get("Lossy Heap Blocks") or 0)
        if lossy > 0:
            yield Diagnostic(
                "lossy-bitmap", node.index, "warning",
                f"{name(node)}: the bitmap did not fit in work_mem and became lossy for {_fmt(lossy)} "
                "pages, so every row on them was rechecked. Raise work_mem for this query.",
            )  # fmt: skip


def nested_loops(plan: Plan):
    for node in plan.nodes:
        if node.node_type != "Nested Loop" or len(node.children) < 2:
            continue
        inner = plan.nodes[node.children[1]]
        if (inner.loops or 0) < NESTED_LOOP_MAX_LOOPS:
            continue
        yield Diagnostic(
            "nested-loop-loops", node.index, "warning",
            f"{name(node)} ran its inner side ({name(inner)}) {_fmt(inner.loops)} times. If the outer "
            "row count was underestimated, fresh statistics (ANALYZE) may turn this into a hash join; "
            "otherwise make each loop cheap with an index on the inner join column.",
        )  # fmt: skip


def heap_fetches(plan: Plan):
    for node in plan.nodes:
        if node.node_type != "Index Only Scan" or not node.heap_fetches:
            continue
        rows = max(node.total_rows or 0, 1)
        if node.heap_fetches < HEAP_FETCH_MIN or node.heap_fetches / rows < HEAP_FETCH_SHARE:
            continue
        yield Diagnostic(
            "heap-fetches", node.index, "warning",
            f"{name(node)} had to visit the table {_fmt(node.heap_fetches)} times: pages not marked "
            f"all-visible. VACUUM {table(node)} refreshes the visibility map so the scan stays index-only.",
        )  # fmt: skip


def planning_time(plan: Plan):
    p, e = plan.planning_ms, plan.execution_ms
    if p is None or e is None or p < PLANNING_MIN_MS or p <= e:
        return
    yield Diagnostic(
        "planning-time", None, "warning",
        f"Planning took {fmt_ms(p)}, longer than running the query ({fmt_ms(e)}). For a query run "
        "often, use a prepared statement so the plan is reused; many joins or partitions make planning slow.",
    )  # fmt: skip


def workers(plan: Plan):
    for node in plan.nodes:
        planned, launched = node.workers_planned, node.workers_launched
        if planned is None or launched is None or launched >= planned:
            continue
        yield Diagnostic(
            "workers-not-launched", node.index, "warning",
            f"{name(node)} planned {planned} parallel workers but got {launched}: the pool was busy. "
            "Raise max_parallel_workers / max_worker_processes, or run fewer parallel queries at once.",
        )  # fmt: skip


def jit(plan: Plan):
    total = plan.execution_ms or plan.total_ms
    if not plan.jit or not total or plan.jit_ms <= JIT_SHARE * total:
        return
    yield Diagnostic(
        "jit", None, "warning",
        f"JIT compilation took {fmt_ms(plan.jit_ms)}, {plan.jit_ms / total:.0%} of the execution time. "
        "For short queries it costs more than it saves: SET jit = off, or raise jit_above_cost.",
    )  # fmt: skip


def offsets(plan: Plan):
    for node in plan.nodes:
        if node.node_type != "Limit" or not node.children or node.total_rows is None:
            continue
        child = plan.nodes[node.children[0]]
        produced, returned = child.total_rows or 0, node.total_rows
        if produced - returned < OFFSET_MIN_ROWS or produced < OFFSET_RATIO * max(returned, 1):
            continue
        yield Diagnostic(
            "large-offset", node.index, "warning",
            f"{name(node)} returned {_fmt(returned)} rows but its input produced {_fmt(produced)}: rows "
            "skipped by OFFSET are still read and sorted. Page with a WHERE on the last key seen "
            "(keyset pagination) instead of a growing OFFSET.",
        )  # fmt: skip


RULES = [slowest_node, row_estimates, seq_scans, functions_in_filters, spills, hash_batches,
         lossy_bitmaps, nested_loops, heap_fetches, planning_time, workers, jit, offsets]  # fmt: skip
