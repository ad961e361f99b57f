"""What the Plans page draws, as plain data: node table, summaries, the tree to show, the icicle.

No Streamlit here (the benchmark builds these for a 10,000-node plan). Times are exclusive
milliseconds when the plan has timings, else exclusive cost ("metric" says which).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from lib.core.fmt import fmt_ms
from lib.plan import Diagnostic, Plan
from lib.plan.compare import Comparison
from lib.plan.model import Node

SMALL_PLAN = 30  # up to this many nodes the whole tree shows, opened
TREE_LIMIT = 200  # rows drawn at most; the node table has every node
HOT_SHARE = 0.05  # nodes taking this share of the time open their path from the root
HOT_MAX = 8
SEVERITY_RANK = {"critical": 0, "warning": 1, "info": 2}
BUFFER_COLUMNS = {"shared_hit": "shared hit", "shared_read": "shared read", "shared_dirtied": "shared dirtied",
                  "shared_written": "shared written", "temp_read": "temp read", "temp_written": "temp written"}


def metric(plan: Plan) -> str:
    return "ms" if plan.timed else "cost"


def own(node: Node, plan: Plan) -> float:
    """Exclusive time (or cost); timing noise can leave a hair below zero: shown as zero."""
    return max(0.0, node.exclusive_ms if plan.timed else node.exclusive_cost)


def total(node: Node, plan: Plan) -> float:
    return max(0.0, node.inclusive_ms if plan.timed else node.total_cost)


def relation_name(node: Node) -> str | None:
    if not node.relation:
        return None
    name = f"{node.schema}.{node.relation}" if node.schema else node.relation
    return f"{name} {node.alias}" if node.alias and node.alias != node.relation else name


def by_node(diagnostics: list[Diagnostic]) -> dict[int | None, list[Diagnostic]]:
    found: dict[int | None, list[Diagnostic]] = {}
    for d in diagnostics:
        found.setdefault(d.node, []).append(d)
    return found


def misestimate(node: Node) -> str:
    if not node.estimate_factor or node.estimate_factor < 2:
        return ""
    return f"{node.estimate_factor:,.0f}x {node.estimate_direction}"


def node_frame(plan: Plan, diagnostics: list[Diagnostic]) -> pd.DataFrame:
    """One row per node, pre-order; the columns the sortable node table shows."""
    notes = by_node(diagnostics)
    rows = []
    for n in plan.nodes:
        row = {
            "#": n.index, "node": (f"[{n.subplan_name}] " if n.subplan_name else "") + n.label,
            "relation": relation_name(n), "index": n.index_name, "own": own(n, plan),
            "share": max(0.0, n.share), "total": total(n, plan), "rows planned": n.plan_rows,
            "rows": n.actual_rows, "loops": n.loops, "misestimate": misestimate(n),
            "factor": n.estimate_factor, "removed by filter": n.rows_removed_by_filter or None,
            **{label: n.exclusive_buffers.get(key, 0.0) for key, label in BUFFER_COLUMNS.items()},
            "I/O ms": n.exclusive_io_ms, "findings": ", ".join(d.rule for d in notes.get(n.index, [])),
            "notes": " ".join(n.notes),
            "depth": n.depth, "parent": n.parent,
        }  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows)


def _summary(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    if frame.empty or frame[key].isna().all():
        return pd.DataFrame(columns=[key, "nodes", "own", "share", "shared hit", "shared read", "temp written"])
    grouped = frame.dropna(subset=[key]).groupby(key, sort=False).agg(
        nodes=("#", "count"), own=("own", "sum"), share=("share", "sum"),
        **{"shared hit": ("shared hit", "sum"), "shared read": ("shared read", "sum"),
           "temp written": ("temp written", "sum")})  # fmt: skip
    return grouped.reset_index().sort_values("own", ascending=False, kind="stable").reset_index(drop=True)


def by_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Time and buffers per table (relation, CTE or function read), costliest first."""
    table = frame.assign(table=frame["relation"].str.split(" ").str[0])
    return _summary(table, "table")


def by_type(frame: pd.DataFrame) -> pd.DataFrame:
    """Time and buffers per kind of node (Seq Scan, Hash Join...), costliest first."""
    return _summary(frame.assign(type=frame["node"].str.replace(r"^\[[^\]]*\] ", "", regex=True)), "type")


# -- the tree ------------------------------------------------------------------------------------------
@dataclass
class TreeRow:
    index: int
    depth: int
    open: bool  # drawn expanded: its children (and its details) show
    children: list[int] = field(default_factory=list)  # children drawn below it
    hidden: int = 0  # nodes of its subtree that are not drawn
    hot: bool = False  # among the nodes taking most of the time


def hot_nodes(plan: Plan, diagnostics: list[Diagnostic]) -> list[int]:
    """The nodes a reader should see first: the costliest ones and those with warnings."""
    ranked = sorted(plan.nodes, key=lambda n: -n.share)
    hot = [n.index for n in ranked[:HOT_MAX] if n.share >= HOT_SHARE] or [ranked[0].index]
    serious = [d.node for d in diagnostics if d.node is not None and SEVERITY_RANK[d.severity] <= 1]
    return list(dict.fromkeys([*hot, *serious[:HOT_MAX]]))


def tree_rows(plan: Plan, diagnostics: list[Diagnostic], limit: int = TREE_LIMIT) -> list[TreeRow]:
    """Rows to draw, in tree order. Small plans show whole; large ones open only the paths to the
    hot nodes, show the other children closed, and stop at `limit` rows."""
    nodes = plan.nodes
    hot = set(hot_nodes(plan, diagnostics))
    if len(nodes) <= SMALL_PLAN:
        opened = {n.index for n in nodes if n.children} | hot
    else:
        opened = set()
        for i in hot:
            while i is not None and i not in opened:
                opened.add(i)
                i = nodes[i].parent
    sizes = _subtree_sizes(plan)
    rows: list[TreeRow] = []
    stack = [0]
    while stack:
        i = stack.pop()
        node = nodes[i]
        row = TreeRow(i, node.depth, i in opened, hot=i in hot)
        rows.append(row)
        if row.open:
            room = max(0, limit - len(rows) - len(stack))
            # when room runs out, keep the children that took the longest
            keep = sorted(node.children, key=lambda c: -total(nodes[c], plan))[:room]
            row.children = [c for c in node.children if c in set(keep)]
            stack.extend(reversed(row.children))
        # a child drawn closed counts its own hidden subtree; only undrawn children count here
        row.hidden = sizes[i] - 1 - sum(sizes[c] for c in row.children)
    return rows


def _subtree_sizes(plan: Plan) -> list[int]:
    sizes = [1] * len(plan.nodes)
    for n in reversed(plan.nodes):
        if n.parent is not None:
            sizes[n.parent] += sizes[n.index]
    return sizes


# -- the icicle ----------------------------------------------------------------------------------------
def icicle_data(plan: Plan) -> dict[str, list]:
    """Columns for plotly's icicle with branchvalues="remainder": each box's own value is the node's
    exclusive time, so a box spans its whole subtree's time (the inclusive time)."""
    ids = [str(n.index) for n in plan.nodes]
    return {
        "ids": ids,
        "parents": ["" if n.parent is None else str(n.parent) for n in plan.nodes],
        "labels": [_short(n) for n in plan.nodes],
        "values": [own(n, plan) for n in plan.nodes],
        "total": [total(n, plan) for n in plan.nodes],
        "share": [max(0.0, n.share) for n in plan.nodes],
    }


def _short(node: Node) -> str:
    rel = f" on {node.relation}" if node.relation else (f" on {node.index_name}" if node.index_name else "")
    return f"#{node.index} {node.label}{rel}"


# -- comparison ----------------------------------------------------------------------------------------
def changes_frame(cmp: Comparison) -> pd.DataFrame:
    """Node by node, as text: a node without a relation (or on one side only) shows nothing, not None."""
    order = {"scan-changed": 0, "removed": 1, "added": 2, "same": 3}

    def amount(value: float | None) -> str:
        if value is None:
            return ""
        return fmt_ms(value) if cmp.metric == "ms" else f"cost {value:,.0f}"

    rows = [{"change": c.kind, "before": c.before_label or "", "after": c.after_label or "",
             "relation": c.relation or "", "own before": amount(c.before_ms), "own after": amount(c.after_ms),
             "#before": "" if c.before is None else f"#{c.before}", "#after": "" if c.after is None else f"#{c.after}"}
            for c in sorted(cmp.changes, key=lambda c: order.get(c.kind, 9))]  # fmt: skip
    return pd.DataFrame(rows, columns=["change", "before", "after", "relation", "own before", "own after",
                                       "#before", "#after"])


def buffers_frame(cmp: Comparison) -> pd.DataFrame:
    rows = [{"buffers": label, "before": cmp.before_buffers.get(key, 0.0), "after": cmp.after_buffers.get(key, 0.0)}
            for key, label in BUFFER_COLUMNS.items()]
    return pd.DataFrame(rows)
