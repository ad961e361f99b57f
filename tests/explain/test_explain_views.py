"""What the Plans page draws, built from real plans (fixtures) and a large synthetic one."""

from __future__ import annotations

import pytest

from lib.explain import views
from lib.plan import analyze, build_plan, compare, diagnose
from pages.widgets import plan_view
from tests.fixtures_path import PEV2, pev2_files

BUCKETS = PEV2 / "from-text" / "45-buckets-plan"  # Hash Join over two Seq Scans, hash in 8 batches


def wide_plan(levels: int = 4, fanout: int = 6) -> dict:
    """A plan of Append nodes, `fanout` children each; one leaf takes most of the time."""
    count = [0]

    def node(depth: int) -> dict:
        count[0] += 1
        n = count[0]
        if depth == levels:
            ms = 900.0 if n == 200 else 1.0
            return {"Node Type": "Seq Scan", "Relation Name": f"t{n}", "Alias": f"t{n}", "Total Cost": 1.0,
                    "Plan Rows": 1, "Actual Total Time": ms, "Actual Rows": 1, "Actual Loops": 1}
        kids = [node(depth + 1) for _ in range(fanout)]
        return {"Node Type": "Append", "Total Cost": 1.0, "Plan Rows": 1, "Actual Rows": 1, "Actual Loops": 1,
                "Actual Total Time": sum(k["Actual Total Time"] for k in kids) + 0.5, "Plans": kids}

    return {"Plan": node(0), "Execution Time": 1.0}


def test_node_frame_and_summaries_from_a_real_plan():
    plan, diagnostics = analyze(BUCKETS.read_text())
    frame = views.node_frame(plan, diagnostics)
    assert list(frame["node"]) == ["Hash Join", "Seq Scan", "Hash", "Seq Scan"]
    assert list(frame["relation"].fillna("")) == ["", "details", "", "entetes"]
    assert frame.loc[2, "findings"] == "hash-batches"
    assert frame["own"].sum() == pytest.approx(plan.root.inclusive_ms, rel=0.01)
    assert frame.loc[0, "temp written"] == 157956  # the join's own temp blocks, from the plan
    tables = views.by_table(frame)
    assert list(tables["table"]) == ["details", "entetes"]  # costliest first
    types = views.by_type(frame)
    assert types.set_index("type").loc["Seq Scan", "nodes"] == 2


def test_small_plans_show_whole_and_open():
    plan, diagnostics = analyze(BUCKETS.read_text())
    rows = views.tree_rows(plan, diagnostics)
    assert [r.index for r in rows] == [0, 1, 2, 3]
    assert all(r.open for r in rows if plan.nodes[r.index].children) and all(r.hidden == 0 for r in rows)


def test_large_plans_fold_everything_but_the_hot_path():
    plan = build_plan(wide_plan())  # 1 + 6 + 36 + 216 + 1296 nodes
    diagnostics = diagnose(plan)
    hot = max(plan.nodes, key=lambda n: n.exclusive_ms)
    assert hot.relation == "t200"
    rows = views.tree_rows(plan, diagnostics, limit=60)
    drawn = {r.index for r in rows}
    assert len(rows) <= 60 and hot.index in drawn
    ancestor = hot.parent
    while ancestor is not None:  # every node on the way to the hot one is open
        assert next(r for r in rows if r.index == ancestor).open
        ancestor = plan.nodes[ancestor].parent
    assert sum(r.hidden for r in rows) + len(rows) == len(plan.nodes)  # every node drawn or counted
    html = plan_view.tree_html(plan, diagnostics, rows)
    assert html.count("<details") == len(rows) and "t200" in html and "nodes below" in html


def test_icicle_sizes_add_up_to_the_root():
    for path in pev2_files("cte-exclusive-time", ".plan"):
        plan, _ = analyze(path.read_text())
        data = views.icicle_data(plan)
        assert all(v >= 0 for v in data["values"])
        assert sum(data["values"]) == pytest.approx(plan.root.inclusive_ms, rel=0.01), path.name
        assert data["parents"][0] == "" and set(data["parents"][1:]) <= set(data["ids"])
        figure = plan_view.icicle_figure(plan)
        assert figure.data[0].branchvalues == "remainder" and len(figure.data[0].ids) == len(plan.nodes)


def test_hostile_names_are_escaped_in_the_tree():
    doc = {"Plan": {"Node Type": "Seq Scan", "Relation Name": '<img src=x onerror="alert(1)">', "Alias": "a",
                    "Filter": "(name = '<script>x</script>'::text)", "Total Cost": 1.0, "Plan Rows": 1}}
    plan = build_plan(doc)
    html = plan_view.tree_html(plan, diagnose(plan), views.tree_rows(plan, []))
    assert "<img" not in html and "<script>" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_untimed_plans_are_drawn_by_cost():
    doc = {"Plan": {"Node Type": "Sort", "Total Cost": 100.0, "Plan Rows": 10, "Plans": [
        {"Node Type": "Seq Scan", "Relation Name": "t", "Total Cost": 40.0, "Plan Rows": 10}]}}
    plan = build_plan(doc)
    frame = views.node_frame(plan, [])
    assert views.metric(plan) == "cost" and list(frame["own"]) == [60.0, 40.0]
    assert plan_view.plan_metrics(plan, [])[0] == ("Estimated cost", "100", "no ANALYZE: estimates only")
    assert plan_view.plan_metrics(plan, [])[3] == ("Spilled to disk", "none", "everything fit in work_mem")


def test_comparison_tables():
    before = build_plan({"Plan": {"Node Type": "Seq Scan", "Relation Name": "t", "Actual Total Time": 50.0,
                                  "Actual Loops": 1, "Actual Rows": 1, "Shared Read Blocks": 900}})
    after = build_plan({"Plan": {"Node Type": "Index Scan", "Relation Name": "t", "Index Name": "t_idx",
                                 "Actual Total Time": 0.5, "Actual Loops": 1, "Actual Rows": 1, "Shared Hit Blocks": 3}})
    cmp = compare(before, after)
    changes = views.changes_frame(cmp)
    assert changes.loc[0, "change"] == "scan-changed"
    assert (changes.loc[0, "before"], changes.loc[0, "after"]) == ("Seq Scan", "Index Scan")
    buffers = views.buffers_frame(cmp).set_index("buffers")
    assert buffers.loc["shared read", "before"] == 900 and buffers.loc["shared hit", "after"] == 3
