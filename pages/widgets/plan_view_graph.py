"""The plan's graph (lib/plan/graph.py's DOT, drawn by st.graphviz_chart) with a node picker beside it.

st.graphviz_chart draws an SVG that cannot report a click back to Python, so the node to look at
is picked in a list beside the graph (slowest first: the node a reader wants first is at the
top); the picked node gets a blue frame in the graph and its details, notes and findings show
under the list.
"""

from __future__ import annotations

import streamlit as st

from lib.core.fmt import fmt_count, fmt_ms
from lib.explain import views
from lib.plan import Diagnostic, Plan
from lib.plan import graph as plan_graph
from lib.plan.model import Node
from pages.widgets.plan_view import TREE_CSS, details_html, md

PICKER_KEY = "plan_graph_node"


def show_graph(plan: Plan, diagnostics: list[Diagnostic]) -> None:
    notes = views.by_node(diagnostics)
    counts = {i: len(found) for i, found in notes.items() if i is not None}
    shown = plan_graph.shown_nodes(plan)
    order = [n.index for n in plan_graph.ranked(plan) if n.index in shown]  # the boxes drawn, slowest first
    left, right = st.columns([3, 1.3])
    with right:
        # one key per plan: another plan's node number may not exist in this one
        picked = st.selectbox("Node, slowest first", order, key=f"{PICKER_KEY}_{_fingerprint(plan)}",
                              format_func=lambda i: plan_graph.picker_label(plan.nodes[i], plan))
        node_details(plan, plan.nodes[picked], notes.get(picked, []))
    with left:
        more = f" The {len(shown):,} nodes on the costliest paths are drawn; every node is in the Tree and Nodes tabs." \
            if len(shown) < len(plan.nodes) else ""
        st.caption(f"Boxes: the node, what it reads, its own {'time' if plan.timed else 'cost'} and share, its rows. "
                   "Fill: the node's own share (white, yellow, orange, red). Edges: as wide as the rows they pass. "
                   f"Red: the path to the slowest node. Blue frame: the node picked on the right.{more}")
        st.graphviz_chart(plan_graph.plan_dot(plan, counts, picked))  # its own size: boxes stay readable


def _fingerprint(plan: Plan) -> str:
    root = plan.root
    return f"{len(plan.nodes)}_{root.total_cost:.0f}_{root.actual_total_ms or 0:.3f}"


def node_details(plan: Plan, node: Node, found: list[Diagnostic]) -> None:
    """What the tree shows when a node is opened, plus its figures and findings written out."""
    st.markdown(f"**{md(plan_graph.node_title(node))}**" + (f"  \n{md(plan_graph.node_what(node))}"
                                                              if plan_graph.node_what(node) else ""))
    own = fmt_ms(max(0.0, node.exclusive_ms)) if plan.timed else f"cost {max(0.0, node.exclusive_cost):,.0f}"
    total = fmt_ms(node.inclusive_ms) if plan.timed else f"cost {node.total_cost:,.0f}"
    rows = "never executed" if node.never_executed else \
        f"{fmt_count(node.actual_rows)} of {fmt_count(node.plan_rows)} planned" if node.actual_rows is not None \
        else f"{fmt_count(node.plan_rows)} planned"
    loops = f" × {node.loops:,} loops" if node.loops and node.loops > 1 else ""
    st.markdown(f"Own **{own}** ({max(0.0, node.share):.0%}) · with children {total}  \nRows {rows}{loops}")
    html = details_html(node)
    if html:
        st.html(f'{TREE_CSS}<div class="pt"><div class="det" style="margin-left:0">{html}</div></div>')
    for d in found:
        st.markdown(f"**{d.rule}** ({d.severity}): {md(d.message)}")

