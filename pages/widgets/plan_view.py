"""Drawing a plan for the Plans page: the tree, the icicle, tables, findings, a comparison.

The figure and HTML builders take plain data and call no Streamlit (bench/bench_plan_render.py
times them); the `show_*` functions draw.
"""

from __future__ import annotations

import html
import json

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from lib import stbind
from lib.actions import builders
from lib.core.fmt import fmt_bytes, fmt_count, fmt_ms
from lib.explain import source, views
from lib.plan import Diagnostic, Plan
from lib.plan.compare import Comparison
from lib.plan.diagnose import IndexSuggestion, name
from lib.plan.export import DETAIL_KEYS, to_json
from lib.plan.model import Node
from pages.widgets.action_control import action_control
from pages.widgets.cards import metric

BLOCK = 8192  # bytes per buffer block
RAW_SHOW_LIMIT = 1_000_000  # characters of raw plan shown on the page; larger plans are downloaded
FINDINGS_SHOWN = 15  # findings written out; the rest go in a table
KB = {"Sort Space Used": " kB", "Peak Memory Usage": " kB", "Disk Usage": " kB"}
SEVERITY_BADGES = {"critical": ":red-badge[:material/error: Critical]",
                   "warning": ":orange-badge[:material/warning: Warning]",
                   "info": ":blue-badge[:material/info: Info]"}
TREE_CSS = """<style>
.pt{font-size:.86rem;line-height:1.5}
.pt details>summary{list-style:none;cursor:pointer;padding:.12rem .3rem;border-radius:.3rem;
  display:flex;gap:.55rem;align-items:center;flex-wrap:wrap}
.pt details>summary::-webkit-details-marker{display:none}
.pt details>summary:hover{background:rgba(128,128,128,.12)}
.pt .tw{width:.8rem;flex:none;display:inline-flex;justify-content:center}
.pt .tw::before{content:"";border-style:solid;border-width:.3rem 0 .3rem .45rem;
  border-color:transparent transparent transparent #777;transition:transform .1s}
.pt details[open]>summary .tw::before{transform:rotate(90deg)} .pt .empty>summary .tw::before{border-color:transparent}
.pt .no{flex:none;color:#999;font-size:.75rem;width:2.4rem;text-align:right;font-variant-numeric:tabular-nums}
.pt .bar{flex:none;width:90px;height:.55rem;background:rgba(128,128,128,.18);border-radius:.2rem;overflow:hidden}
.pt .bar i{display:block;height:100%}
.pt .pct{flex:none;width:3.2rem;text-align:right;font-variant-numeric:tabular-nums}
.pt .ms{flex:none;width:5.2rem;text-align:right;font-variant-numeric:tabular-nums;color:#666}
.pt .rel{color:#2a6fb0} .pt .mut{color:#888} .pt .miss{color:#c0392b;font-weight:600}
.pt .bd{border-radius:.6rem;padding:0 .45rem;font-size:.74rem;white-space:nowrap}
.pt .critical{background:rgba(214,39,40,.16);color:#b0201f} .pt .warning{background:rgba(255,127,14,.18);color:#a65200}
.pt .info{background:rgba(31,119,180,.14);color:#1f5f94}
.pt .kids{margin-left:1.05rem;border-left:1px solid rgba(128,128,128,.3);padding-left:.35rem}
.pt .det{margin:.1rem 0 .3rem 1.6rem;padding:.25rem .5rem;background:rgba(128,128,128,.07);border-radius:.3rem;
  font-size:.8rem;color:#555;word-break:break-word}
.pt .det b{color:#444;font-weight:600} .pt .note{color:#8a5a00;font-style:italic}
</style>"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _bar_color(share: float) -> str:
    return "#d62728" if share >= 0.5 else "#ff7f0e" if share >= 0.2 else "#1f77b4"


def _amount(value: float, plan: Plan) -> str:
    return fmt_ms(value) if plan.timed else f"cost {value:,.0f}"


def _rows_text(node: Node) -> str:
    planned = fmt_count(node.plan_rows) if node.plan_rows is not None else "?"
    if node.never_executed:
        return f"rows {planned} → never executed"
    if node.actual_rows is None:
        return f"rows {planned} (estimate)"
    loops = f" × {node.loops:,} loops" if node.loops and node.loops > 1 else ""
    return f"rows {planned} → {fmt_count(node.actual_rows)}{loops}"


def details_html(node: Node) -> str:
    """What a click on the node shows (its findings are badges on its line and listed above the tree)."""
    parts = [f'<span class="note">{_e(text)}</span>' for text in node.notes]
    parts += [f"<b>{_e(k)}:</b> {_e(', '.join(map(str, v)) if isinstance(v, list) else v)}{KB.get(k, '')}"
             for k, v in node.raw.items() if k in DETAIL_KEYS and v not in (0, 0.0, "")]
    if node.rows_removed_by_filter:
        parts.append(f"<b>Rows removed by filter:</b> {node.rows_removed_by_filter:,.0f} ({node.removed_share:.0%})")
    if node.heap_fetches:
        parts.append(f"<b>Heap fetches:</b> {node.heap_fetches:,.0f}")
    buffers = {k: v for k, v in node.exclusive_buffers.items() if v}
    if buffers:
        parts.append("<b>Own buffers:</b> " + ", ".join(f"{k.replace('_', ' ')} {v:,.0f}" for k, v in buffers.items()))
    if node.exclusive_io_ms:
        parts.append(f"<b>Own I/O time:</b> {fmt_ms(node.exclusive_io_ms)}")
    if node.workers_planned is not None:
        parts.append(f"<b>Workers:</b> {node.workers_launched} of {node.workers_planned} planned")
    return "<br>".join(parts)


def _summary_line(node: Node, plan: Plan, notes: list[Diagnostic], hidden: int) -> str:
    share = max(0.0, node.share)
    title = f"[{node.subplan_name}] " if node.subplan_name else ""
    rel = ""
    if node.relation:
        rel = f' <span class="rel">on {_e(views.relation_name(node))}</span>'
    if node.index_name:
        rel += f' <span class="mut">using</span> <span class="rel">{_e(node.index_name)}</span>'
    miss = views.misestimate(node)
    bits = [
        '<span class="tw"></span>',
        f'<span class="no">#{node.index}</span>',
        f'<span class="bar"><i style="width:{min(share, 1) * 100:.1f}%;background:{_bar_color(share)}"></i></span>',
        f'<span class="pct">{share:.1%}</span>',
        f'<span class="ms">{_e(_amount(views.own(node, plan), plan))}</span>',
        f"<span><b>{_e(title + node.label)}</b>{rel}</span>",
        f'<span class="mut">{_e(_rows_text(node))}</span>',
    ]
    if miss and node.estimate_factor >= 10:
        bits.append(f'<span class="miss" title="row estimate off by this factor">{_e(miss)}</span>')
    bits += [f'<span class="bd {d.severity}" title="{_e(d.message)}">{_e(d.rule)}</span>' for d in notes]
    if hidden:
        bits.append(f'<span class="mut">+{hidden:,} node{"s" if hidden > 1 else ""} below</span>')
    return "".join(bits)


def tree_html(plan: Plan, diagnostics: list[Diagnostic], rows: list[views.TreeRow]) -> str:
    """Nested <details>: a click opens a node's details and children; hot paths start open."""
    notes = views.by_node(diagnostics)
    by_index = {r.index: r for r in rows}
    out: list[str] = [TREE_CSS, '<div class="pt">']
    stack: list[tuple[int, bool]] = [(0, False)]  # (node, closing?)
    while stack:
        i, closing = stack.pop()
        if closing:
            out.append("</div></details>")
            continue
        row, node = by_index[i], plan.nodes[i]
        detail = details_html(node)
        empty = ' class="empty"' if not detail and not node.children else ""
        out.append(f'<details{empty}{" open" if row.open else ""}><summary>'
                   f"{_summary_line(node, plan, notes.get(i, []), row.hidden)}</summary>")
        if detail:
            out.append(f'<div class="det">{detail}</div>')
        out.append('<div class="kids">')
        stack.append((i, True))
        stack.extend((c, False) for c in reversed(row.children))
    out.append("</div>")
    return "".join(out)


def icicle_figure(plan: Plan, max_depth: int = 8) -> go.Figure:
    """Boxes span their subtree's time (inclusive); colour is the node's own (exclusive) share."""
    data = views.icicle_data(plan)
    unit = "ms" if plan.timed else "cost"
    fig = go.Figure(go.Icicle(
        ids=data["ids"], parents=data["parents"], labels=data["labels"], values=data["values"],
        branchvalues="remainder", maxdepth=max_depth, sort=False, tiling={"orientation": "v"},
        customdata=np.column_stack([data["values"], data["total"], data["share"]]),
        marker={"colors": np.asarray(data["share"]), "colorscale": [[0, "#dbe9f6"], [0.2, "#fdae61"], [1, "#d62728"]],
                # relative to the hottest node: in a plan with time spread thin, the worst still stands out
                "cmin": 0, "cmax": max(0.001, max(data["share"], default=0)), "showscale": False},
        hovertemplate=(f"%{{label}}<br>own %{{customdata[0]:,.2f}} {unit} (%{{customdata[2]:.1%}})"
                       f"<br>with children %{{customdata[1]:,.2f}} {unit}<extra></extra>"),
    ))  # fmt: skip
    fig.update_layout(margin={"l": 0, "r": 0, "t": 10, "b": 0}, height=460)
    return fig


def plan_metrics(plan: Plan, diagnostics: list[Diagnostic]) -> list[tuple[str, str, str]]:
    """(label, value, note) for the headline numbers."""
    serious = sum(1 for d in diagnostics if d.severity != "info")
    b = plan.total_buffers
    read, hit, temp = b.get("shared_read", 0.0), b.get("shared_hit", 0.0), b.get("temp_written", 0.0)
    if plan.timed:
        first = ("Execution time", fmt_ms(plan.execution_ms if plan.execution_ms is not None else plan.total_ms),
                 f"planning {fmt_ms(plan.planning_ms)}" if plan.planning_ms is not None else "")
    else:
        first = ("Estimated cost", f"{plan.root.total_cost:,.0f}", "no ANALYZE: estimates only")
    spilled = (fmt_bytes(temp * BLOCK), "beyond work_mem") if temp else \
        ("none", "everything fit in work_mem")
    return [first,
            ("Findings", f"{serious}", f"{len(diagnostics) - serious} informational"),
            ("Buffers", fmt_bytes((hit + read) * BLOCK), f"{fmt_bytes(read * BLOCK)} read from disk"),
            ("Spilled to disk", *spilled)]  # fmt: skip


def raw_plan_text(document: list[dict], original: str | None) -> str | None:
    """The text for the Raw plan tab, or None when too large to show (json's indenting encoder is
    slow: measure with the compact one first)."""
    if original is not None:
        return original if len(original) <= RAW_SHOW_LIMIT else None
    return json.dumps(document, indent=2) if len(json.dumps(document)) <= RAW_SHOW_LIMIT else None


def current_from_run(result) -> dict:
    """What the page keeps in the session about the plan on screen, from lib.explain's ExplainRun."""
    mode = "READ ONLY" if result.read_only else "with data changes allowed"
    how = (f"{result.explain_sql.splitlines()[0].removeprefix('/* pgpulse */ ')} — ran {mode} on PostgreSQL "
           f"{result.server_version // 10000} in {fmt_ms(result.wall_ms)}, then rolled back.")
    return {"document": result.document, "sql": result.statement, "source": "explain", "original": None, "how": how,
            "notes": result.notes, "changes": result.session_changes, "options": vars(result.options),
            "params": list(result.params)}


def current_from_paste(document: list[dict], text: str) -> dict:
    return {"document": document, "sql": None, "source": "pasted", "original": text, "how": "Pasted plan.",
            "notes": [], "changes": [], "options": {}, "params": []}


# -- drawing -----------------------------------------------------------------------------------------
def show_header(current: dict, plan: Plan, diagnostics: list[Diagnostic]) -> None:
    st.caption(current["how"])
    for note in current["notes"]:
        st.caption(f":material/info: {note}")
    for change in current["changes"]:
        st.warning(f"The statement changed its session ({change}); the connection was closed, so nothing of it "
                   "remains.", icon=":material/cleaning_services:")
    for column, (label, value, note) in zip(st.columns(4), plan_metrics(plan, diagnostics), strict=True):
        metric(column, label, value, note)


def show_findings(plan: Plan, diagnostics: list[Diagnostic], db=None) -> None:
    """`db`: the connected database, where an index a finding asks for can be created (a confirmed action)."""
    if not diagnostics:
        st.success("No findings: nothing in this plan matches a known problem.", icon=":material/check_circle:")
        return
    for d in diagnostics[:FINDINGS_SHOWN]:
        where = f" · node #{d.node} {name(plan.nodes[d.node])}" if d.node is not None else ""
        st.markdown(f"{SEVERITY_BADGES[d.severity]} **{d.rule}**{md(where)}  \n{md(d.message)}")
        if d.index is not None and db is not None:
            index_fix(db, d.index)
    if len(diagnostics) > FINDINGS_SHOWN:
        with st.expander(f"All {len(diagnostics):,} findings"):
            st.dataframe([{"severity": d.severity, "rule": d.rule, "node": d.node, "message": d.message}
                          for d in diagnostics], width="stretch", hide_index=True)


def index_fix(db, suggestion: IndexSuggestion) -> None:
    """The create-index action (confirmed, CONCURRENTLY, audited) for an index a finding asks for."""
    schema = stbind.guarded(lambda: source.table_schema(db, suggestion.table, suggestion.schema), db.config.display)
    if not schema:
        st.caption(f"No table {md(suggestion.text.split(' (')[0])} in this database: the index cannot be created here.")
        return
    action = builders.create_index(schema, suggestion.table, list(suggestion.columns))
    action_control(db, action, label=f"Create index on {md(suggestion.text)}…")
    # One plan asks for one index; the advisor weighs it against the whole workload (and verifies it with hypopg).
    st.page_link("pages/index_advisor.py", label="Index advisor: the indexes the whole workload needs",
                 icon=":material/lightbulb:")


def md(text: str) -> str:
    """Plan text in markdown: keep $, *, _ and [ literal."""
    return "".join("\\" + c if c in "\\`*_[]$<>#|~" else c for c in text)


def node_table(frame, plan: Plan) -> None:
    unit = views.metric(plan)
    num = st.column_config.NumberColumn
    shown = frame.drop(columns=["depth", "parent", "factor"]).fillna({"relation": "", "index": ""})
    st.dataframe(
        shown, width="stretch", hide_index=True, height=min(480, 35 * (len(shown) + 1) + 3),
        column_config={
            "node": st.column_config.TextColumn(width="medium"),
            "relation": st.column_config.TextColumn(width="medium"),
            "index": st.column_config.TextColumn(width="medium"),
            "#": num("#", format="%d"),
            "own": num(f"own {unit}", format="%.2f", help="time in this node alone (exclusive)"),
            "total": num(f"with children {unit}", format="%.2f"),
            "share": st.column_config.ProgressColumn("share", format="percent", min_value=0, max_value=1),
            "rows planned": num(format="compact"), "rows": num("rows (per loop)", format="compact"),
            "removed by filter": num(format="compact"), "I/O ms": num(format="%.2f"),
            **{c: num(c, format="compact", help="buffers (8 kB blocks), own") for c in views.BUFFER_COLUMNS.values()},
        },
    )  # fmt: skip


def summary_table(frame, key: str, plan: Plan) -> None:
    unit = views.metric(plan)
    num = st.column_config.NumberColumn
    st.dataframe(frame, width="stretch", hide_index=True, column_config={
        key: st.column_config.TextColumn(width="medium"),
        "own": num(f"own {unit}", format="%.2f"),
        "share": st.column_config.ProgressColumn("share", format="percent", min_value=0, max_value=1),
        "shared hit": num(format="compact"), "shared read": num(format="compact"),
        "temp written": num(format="compact")})  # fmt: skip


def show_plan(plan: Plan, diagnostics: list[Diagnostic], document: list[dict], original: str | None = None) -> None:
    from pages.widgets import plan_view_graph  # it draws with this module's helpers

    tree, graph, chart, nodes, summary, raw = st.tabs(["Tree", "Graph", "Where the time goes", "Nodes",
                                                       "By table and type", "Raw plan"])
    frame = views.node_frame(plan, diagnostics)
    with tree:
        rows = views.tree_rows(plan, diagnostics)
        depth = max(n.depth for n in plan.nodes) + 1
        note = (" The paths to the costliest nodes are open, the rest folded; every node is in the Nodes tab."
                if len(rows) < len(plan.nodes) else "")
        st.caption(f"{len(plan.nodes):,} nodes, {depth} levels. Bars: the node's own share of the "
                   f"{'time' if plan.timed else 'cost'}. Click a node to fold it or see its details.{note}")
        st.html(tree_html(plan, diagnostics, rows))
    with graph:
        plan_view_graph.show_graph(plan, diagnostics)
    with chart:
        st.caption("Each box spans the time of its node and everything below it; the colour is the node's "
                   "own share. Click a box to zoom in, the top bar to zoom out.")
        st.plotly_chart(icicle_figure(plan), width="stretch", config={"displayModeBar": False})
    with nodes:
        node_table(frame, plan)
    with summary:
        st.markdown("**By table**")
        tables = views.by_table(frame)
        if tables.empty:
            st.caption("No node of this plan reads a table.")
        else:
            summary_table(tables, "table", plan)
        st.markdown("**By node type**")
        summary_table(views.by_type(frame), "type", plan)
    with raw:
        left, right, _ = st.columns([1, 1, 2])
        # deferred: a 10,000-node plan is tens of MB of JSON, built only when asked for
        left.download_button("Download the plan (FORMAT JSON)", lambda: json.dumps(document, indent=2), "plan.json",
                             "application/json", icon=":material/download:")
        right.download_button("Download the analysis (JSON)", lambda: json.dumps(to_json(plan, diagnostics), indent=2),
                              "plan-analysis.json", "application/json", icon=":material/download:")
        raw_text = raw_plan_text(document, original)
        if raw_text is None:
            st.caption("This plan is too large to show here: download it.")
        else:
            st.code(raw_text, language=None if original else "json", height=500)


def show_comparison(cmp: Comparison, difference: str | None = None) -> None:
    """`difference`: why the runs are not like for like ("different parameters"), said by the speed-up."""
    unit = cmp.metric
    fmt = fmt_ms if unit == "ms" else (lambda v: f"cost {v:,.0f}")
    cols = st.columns(4)
    cols[0].metric("Before", fmt(cmp.before_total), border=True)
    cols[1].metric("After", fmt(cmp.after_total), border=True)
    speed = cmp.speedup
    cols[2].metric("Speedup", "–" if speed is None else f"{speed:,.1f}x" if speed >= 1 else f"{1 / speed:,.1f}x slower",
                   difference, delta_color="off", delta_arrow="off", border=True,
                   help="The runs had different $n values: the speed-up may come from the values, not the plan"
                   if difference else None)  # fmt: skip

    def touched(b: dict) -> float:
        return (b.get("shared_hit", 0) + b.get("shared_read", 0)) * BLOCK

    cols[3].metric("Buffers", fmt_bytes(touched(cmp.after_buffers)), f"was {fmt_bytes(touched(cmp.before_buffers))}",
                   delta_color="off", delta_arrow="off", border=True)  # fmt: skip
    changed = [c for c in cmp.changes if c.kind == "scan-changed"]
    for c in changed:
        st.markdown(f":green-badge[changed] {md(c.message)}")
    left, right = st.columns([3, 1])
    with left:
        st.markdown("**Node by node**")
        st.dataframe(views.changes_frame(cmp), width="stretch", hide_index=True)
    with right:
        st.markdown("**Buffers (blocks)**")
        num = st.column_config.NumberColumn
        st.dataframe(views.buffers_frame(cmp), width="stretch", hide_index=True,
                     column_config={"before": num(format="compact"), "after": num(format="compact")})


def params_text(params: list | None) -> str:
    """'$1 = 'a@b.c', $2 = 5' for a caption; what a run without values says."""
    if not params:
        return "no parameter values"
    return ", ".join(f"${i} = {'NULL' if v is None else repr(v)}" for i, v in enumerate(params, 1))


@st.cache_resource(show_spinner=False)
def store(url: str | None):
    """pgpulse's own store, where kept plans live (one per app process)."""
    from lib.core.store import open_store

    return open_store(url)
