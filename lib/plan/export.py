"""The analysis as plain JSON-ready data, for the CLI's --json and for the pages."""

from lib.plan.diagnose import Diagnostic
from lib.plan.model import Node, Plan

# node details worth showing next to the numbers
DETAIL_KEYS = (
    "Filter", "Index Cond", "Recheck Cond", "Join Filter", "Hash Cond", "Merge Cond", "One-Time Filter",
    "Sort Key", "Sort Method", "Sort Space Used", "Sort Space Type", "Group Key", "Presorted Key",
    "Hash Buckets", "Hash Batches", "Peak Memory Usage", "Disk Usage", "HashAgg Batches",
    "Exact Heap Blocks", "Lossy Heap Blocks", "Cache Key", "Cache Hits", "Cache Misses",
    "Join Type", "Strategy", "Operation", "Scan Direction", "CTE Name", "Function Name",
)  # fmt: skip


def _r(value, digits: int = 6):
    return None if value is None else round(float(value), digits)


def node_json(node: Node) -> dict:
    return {
        "index": node.index,
        "node_type": node.node_type,
        "label": node.label,
        "parent": node.parent,
        "depth": node.depth,
        "relationship": node.relationship,
        "subplan_name": node.subplan_name,
        "relation": node.relation,
        "schema": node.schema,
        "alias": node.alias,
        "index_name": node.index_name,
        "inclusive_ms": _r(node.inclusive_ms),
        "exclusive_ms": _r(node.exclusive_ms),
        "share": _r(node.share),
        "startup_cost": _r(node.startup_cost),
        "total_cost": _r(node.total_cost),
        "exclusive_cost": _r(node.exclusive_cost),
        "actual_rows": _r(node.actual_rows),
        "plan_rows": _r(node.plan_rows),
        "loops": node.loops,
        "never_executed": node.never_executed,
        "estimate_factor": _r(node.estimate_factor),
        "estimate_direction": node.estimate_direction,
        "rows_removed_by_filter": _r(node.rows_removed_by_filter),
        "removed_share": _r(node.removed_share),
        "heap_fetches": _r(node.heap_fetches),
        "workers_planned": node.workers_planned,
        "workers_launched": node.workers_launched,
        "buffers": {k: _r(v) for k, v in node.exclusive_buffers.items()},
        "io_ms": _r(node.exclusive_io_ms),
        "outside_ms": _r(node.outside_ms),
        "stopped_early": node.stopped_early,
        "notes": list(node.notes),
        "details": {k: node.raw[k] for k in DETAIL_KEYS if k in node.raw},
    }


def diagnostic_json(d: Diagnostic) -> dict:
    return {"rule": d.rule, "node": d.node, "severity": d.severity, "message": d.message}


def to_json(plan: Plan, diagnostics: list[Diagnostic]) -> dict:
    return {
        "execution_ms": _r(plan.execution_ms),
        "planning_ms": _r(plan.planning_ms),
        "total_ms": _r(plan.total_ms),
        "timed": plan.timed,
        "analyzed": plan.analyzed,
        "jit_ms": _r(plan.jit_ms) if plan.jit else None,
        "trigger_ms": _r(plan.trigger_ms) if plan.triggers else None,
        "buffers": {k: _r(v) for k, v in plan.total_buffers.items()},
        "settings": plan.settings,
        "nodes": [node_json(n) for n in plan.nodes],
        "diagnostics": [diagnostic_json(d) for d in diagnostics],
    }
