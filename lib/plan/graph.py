"""The plan as a graph (graphviz DOT text), drawn the way PEV2 draws plans.

One box per node (its type, what it reads, its share of the time and its rows), the root at
the top; an edge from each child to the node that reads it, as wide as the rows it passes
(on a log scale: 10 rows and 10 million must both be visible); boxes filled by the node's own
share of the time (or cost); the slowest path, from the root to the node taking the most
time, drawn in red. DOT is plain text, so Streamlit's `st.graphviz_chart` draws it with no
graphviz install. Labels are graphviz HTML labels, escaped: table names are hostile input.

Large plans keep the nodes that matter: the paths to the costliest nodes, then the rest by
inclusive time, up to `limit`; each parent with hidden children gets a dashed "N more" box.
"""

from __future__ import annotations

import html
import math

from lib.core.fmt import fmt_count, fmt_ms
from lib.plan.model import Node, Plan

GRAPH_LIMIT = 120  # boxes drawn at most; the tree and the node table have every node
HOT_COLOUR = "#d62728"
SELECTED_COLOUR = "#1f5f94"
# own share -> fill: nothing, a little, a fifth, half of the time
FILLS = ((0.5, "#f4a3a3"), (0.2, "#fdd0a2"), (0.05, "#fff3c4"), (0.0, "#ffffff"))
MAX_PEN = 9.0  # edge width for the largest row count


def _e(value) -> str:
    """Text for a graphviz HTML label: & < > and " as entities; braces, quotes, backslashes are plain text there."""
    return html.escape(str(value), quote=False).replace('"', "&quot;")


def fill(share: float) -> str:
    return next(colour for floor, colour in FILLS if share >= floor)


def rows_passed(node: Node) -> float:
    """Rows the node handed to its parent: actual over all loops, else the estimate."""
    if node.total_rows is not None:
        return node.total_rows
    return node.plan_rows or 0.0


def slowest_path(plan: Plan) -> list[int]:
    """From the root to the node with the largest own share (the first when tied)."""
    hottest = max(plan.nodes, key=lambda n: (n.share, -n.index))
    path, i = [], hottest.index
    while i is not None:
        path.append(i)
        i = plan.nodes[i].parent
    return path[::-1]


def ranked(plan: Plan) -> list[Node]:
    """Nodes slowest first (own time, or own cost without timings), then in plan order."""
    return sorted(plan.nodes, key=lambda n: (-n.share, n.index))


def shown_nodes(plan: Plan, limit: int = GRAPH_LIMIT) -> set[int]:
    """The nodes to draw: all of a small plan; in a large one, whole paths to the costliest nodes."""
    if len(plan.nodes) <= limit:
        return {n.index for n in plan.nodes}
    keep: set[int] = set()
    order = [*slowest_path(plan), *(n.index for n in ranked(plan)),
             *(n.index for n in sorted(plan.nodes, key=lambda n: -n.inclusive_ms))]  # fmt: skip
    for i in order:
        chain = []
        while i is not None and i not in keep:
            chain.append(i)
            i = plan.nodes[i].parent
        if len(keep) + len(chain) > limit:
            continue
        keep.update(chain)
        if len(keep) >= limit:
            break
    return keep


def node_title(node: Node) -> str:
    """'Seq Scan', '[SubPlan 1] Index Scan': the box's first line."""
    return (f"[{node.subplan_name}] " if node.subplan_name else "") + node.label


def node_what(node: Node) -> str | None:
    """What the node reads: 'leads l', 'using leads_pkey', 'CTE x'."""
    if node.relation:
        rel = f"{node.schema}.{node.relation}" if node.schema else node.relation
        if node.alias and node.alias != node.relation:
            rel += f" {node.alias}"
        return f"{rel} using {node.index_name}" if node.index_name else rel
    if node.index_name:
        return f"using {node.index_name}"
    return None


def _amount(node: Node, plan: Plan) -> str:
    if plan.timed:
        return fmt_ms(max(0.0, node.exclusive_ms))
    return f"cost {max(0.0, node.exclusive_cost):,.0f}"


def _rows_line(node: Node) -> str:
    if node.never_executed:
        return "never executed"
    planned = fmt_count(node.plan_rows) if node.plan_rows is not None else "?"
    if node.actual_rows is None:
        return f"{planned} rows (estimate)"
    rows = f"{fmt_count(node.actual_rows)} row{'' if node.actual_rows == 1 else 's'}"
    loops = f" × {node.loops:,} loops" if node.loops and node.loops > 1 else ""
    return f"{rows}{loops} · est. {planned}"


def _label(node: Node, plan: Plan, findings: int) -> str:
    lines = [f"<B>{_e(node_title(node))}</B>"]
    what = node_what(node)
    if what:
        lines.append(f'<FONT COLOR="#2a6fb0">{_e(what)}</FONT>')
    lines.append(f"#{node.index} · {_e(_amount(node, plan))} · <B>{max(0.0, node.share):.0%}</B>")
    lines.append(f'<FONT COLOR="#555555">{_e(_rows_line(node))}</FONT>')
    if findings:
        lines.append(f'<FONT COLOR="{HOT_COLOUR}">{findings} finding{"s" if findings > 1 else ""}</FONT>')
    return "<" + "<BR/>".join(lines) + ">"


def _pen(rows: float, most: float) -> float:
    if most <= 0:
        return 1.0
    return round(1.0 + (MAX_PEN - 1.0) * math.log10(rows + 1) / math.log10(most + 1), 2)


def plan_dot(plan: Plan, findings_by_node: dict[int, int] | None = None, selected: int | None = None,
             limit: int = GRAPH_LIMIT) -> str:
    """The DOT text of the plan's graph; `selected` gets a blue frame, the slowest path is red."""
    findings_by_node = findings_by_node or {}
    keep = shown_nodes(plan, limit)
    hot = set(slowest_path(plan))
    most = max((rows_passed(n) for n in plan.nodes), default=0.0)
    out = [
        "digraph plan {",
        '  graph [rankdir=TB, nodesep=0.25, ranksep=0.45, bgcolor="transparent"];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, margin="0.12,0.06", '
        'color="#888888", penwidth=1];',
        '  edge [dir=back, arrowtail=normal, arrowsize=0.35, color="#9aa5b1", fontname="Helvetica", fontsize=9, '
        'fontcolor="#555555"];',
    ]
    for node in plan.nodes:
        if node.index not in keep:
            continue
        attrs = [f"label={_label(node, plan, findings_by_node.get(node.index, 0))}",
                 f'fillcolor="{fill(max(0.0, node.share))}"']  # fmt: skip
        if node.index == selected:
            attrs += [f'color="{SELECTED_COLOUR}"', "penwidth=3.5"]
        elif node.index in hot:
            attrs += [f'color="{HOT_COLOUR}"', "penwidth=2.2"]
        if node.never_executed:
            attrs.append('fontcolor="#999999"')
        out.append(f"  n{node.index} [{', '.join(attrs)}];")
    for node in plan.nodes:
        if node.index not in keep or node.parent is None:
            continue
        rows = rows_passed(node)
        attrs = [f"penwidth={_pen(rows, most)}", f'label=" {_e(fmt_count(rows))}"']
        if node.relationship in ("InitPlan", "SubPlan"):
            attrs.append('style="dashed"')
        if node.index in hot and node.parent in hot:
            attrs.append(f'color="{HOT_COLOUR}"')
        out.append(f"  n{node.parent} -> n{node.index} [{', '.join(attrs)}];")
    for node in plan.nodes:
        hidden = [c for c in node.children if c not in keep]
        if node.index in keep and hidden:
            out.append(f'  more{node.index} [label="{len(hidden)} more", style="dashed,rounded", fillcolor="#ffffff", '
                       f'fontcolor="#777777"];')
            out.append(f'  n{node.index} -> more{node.index} [style="dashed"];')
    out.append("}")
    return "\n".join(out)


def picker_label(node: Node, plan: Plan) -> str:
    """How the node picker lists a node: '#5 Seq Scan on leads · 42% · 12.3 ms'."""
    what = node_what(node)
    where = f" on {what}" if what and not what.startswith("using") else (f" {what}" if what else "")
    return f"#{node.index} {node_title(node)}{where} · {max(0.0, node.share):.0%} · {_amount(node, plan)}"
