"""The plan graph's DOT: drawn by real Graphviz (Debian's `dot`, the engine Streamlit's chart compiles
to WebAssembly), hostile names escaped, edge widths, fills and the slowest path as specified."""

from __future__ import annotations

import html
import re
import shutil
import subprocess

import pytest

from lib.plan import analyze, build_plan
from lib.plan.graph import GRAPH_LIMIT, HOT_COLOUR, SELECTED_COLOUR, plan_dot, ranked, slowest_path
from tests.fixtures_path import PEV2

DOT = shutil.which("dot")
needs_dot = pytest.mark.skipif(DOT is None, reason="Graphviz's dot is not installed (apt-get install graphviz)")

PLAN = """
Hash Join  (cost=1.0..2000.0 rows=50 width=8) (actual time=1.0..100.0 rows=40000 loops=1)
  Hash Cond: (a.id = b.a_id)
  ->  Seq Scan on a  (cost=0.0..1000.0 rows=100 width=4) (actual time=0.1..70.0 rows=80000 loops=1)
  ->  Hash  (cost=1.0..1.0 rows=10 width=4) (actual time=0.3..10.0 rows=10 loops=1)
        ->  Seq Scan on b  (cost=0.0..1.0 rows=10 width=4) (actual time=0.01..9.0 rows=10 loops=1)
"""


def render(dot: str) -> str:
    done = subprocess.run([DOT, "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Warning" not in done.stderr and "Error" not in done.stderr, done.stderr
    return done.stdout


def svg_text(svg: str) -> str:
    return html.unescape(" ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg)))


def attrs(dot: str, edge: str) -> str:
    return re.search(rf"^  {re.escape(edge)} \[(.*)\];$", dot, re.M).group(1)


def test_boxes_edges_fills_and_the_slowest_path():
    plan, found = analyze(PLAN)
    dot = plan_dot(plan, {1: 2})
    # the Seq Scan on a takes 70 of 100 ms: red fill, on the slowest path with the root
    assert slowest_path(plan) == [0, 1]
    assert 'fillcolor="#f4a3a3"' in attrs(dot, "n1") and f'color="{HOT_COLOUR}"' in attrs(dot, "n1")
    assert f'color="{HOT_COLOUR}"' in attrs(dot, "n0 -> n1")
    assert HOT_COLOUR not in attrs(dot, "n0 -> n2")
    assert 'fillcolor="#fdd0a2"' in attrs(dot, "n0")  # 20 ms own: a fifth
    assert 'fillcolor="#ffffff"' in attrs(dot, "n2")  # the Hash: 1 ms own
    # widths: log scale from 1 (no rows) to 9 (the most rows passed: 80,000)
    assert "penwidth=9.0" in attrs(dot, "n0 -> n1")
    assert "penwidth=2.7," in attrs(dot, "n0 -> n2")  # 10 rows: 1 + 8 * log10(11) / log10(80001) = 2.699
    assert 'label=" 80.0k"' in attrs(dot, "n0 -> n1")
    assert "2 findings" in attrs(dot, "n1")
    assert f'color="{SELECTED_COLOUR}"' in attrs(plan_dot(plan, selected=3), "n3")
    assert [n.index for n in ranked(plan)][:2] == [1, 0]


@needs_dot
def test_hostile_names_are_escaped_and_drawn():
    name = 'we"ird {x} <y> & \\z |a|'
    text = PLAN.replace("Seq Scan on a ", f'Seq Scan on "{name.replace(chr(34), chr(34) * 2)}" ')
    plan, _ = analyze(text)
    assert plan.nodes[1].relation == name
    drawn = svg_text(render(plan_dot(plan)))
    assert name in drawn and "Seq Scan" in drawn and "Hash Join" in drawn


@needs_dot
@pytest.mark.parametrize("path", sorted((PEV2 / "from-text").glob("*-plan")), ids=lambda p: p.name)
def test_every_fixture_plan_draws(path):
    plan, found = analyze(path.read_text(encoding="utf-8"))
    svg = render(plan_dot(plan, {d.node: 1 for d in found if d.node is not None}))
    assert svg.count('class="node"') == len(plan.nodes)


def big_plan(width: int = 40, depth: int = 6) -> dict:
    """An Append of `width` chains `depth` deep: 1 + width * depth nodes."""
    def chain(i: int, level: int) -> dict:
        node = {"Node Type": "Seq Scan" if level == depth else "Hash Join", "Relation Name": f"t{i}_{level}",
                "Total Cost": 10.0, "Plan Rows": 10, "Actual Rows": 10, "Actual Loops": 1,
                "Actual Total Time": float(depth - level + 1) * (i + 1)}
        if level < depth:
            node["Plans"] = [chain(i, level + 1)]
        return node
    kids = [chain(i, 1) for i in range(width)]
    return {"Plan": {"Node Type": "Append", "Total Cost": 1.0, "Plan Rows": 10, "Actual Rows": 10, "Actual Loops": 1,
                     "Actual Total Time": sum(k["Actual Total Time"] for k in kids) + 1, "Plans": kids}}


@needs_dot
def test_large_plans_keep_the_costliest_paths():
    plan = build_plan(big_plan())
    assert len(plan.nodes) == 241
    dot = plan_dot(plan)
    boxes = re.findall(r"^  n(\d+) \[", dot, re.M)
    assert len(boxes) <= GRAPH_LIMIT
    slowest = max(plan.nodes, key=lambda n: n.share)
    assert str(slowest.index) in boxes and all(str(i) in boxes for i in slowest_path(plan))
    more = re.findall(r'more0 \[label="(\d+) more"', dot)
    assert more and int(more[0]) == 40 - sum(1 for c in plan.root.children if str(c) in boxes)
    render(dot)
