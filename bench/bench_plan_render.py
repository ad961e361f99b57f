"""How long the Plans page takes to build its views of a synthetic plan of 10,000 nodes.

    python bench/bench_plan_render.py [NODES]

Uses bench_plan.py's synthetic plan and times what the page computes before Streamlit draws:
the node table, the summaries by table and by type, the folded tree (rows and HTML), the
graph's DOT, the icicle figure (and its JSON, which is what travels to the browser), and the raw plan's text.
No Streamlit server runs; best of 3.
"""

from __future__ import annotations

import json
import logging
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
logging.getLogger("streamlit").setLevel(logging.ERROR)  # bare mode: no "missing ScriptRunContext" noise

from bench_plan import best_of, make_node  # noqa: E402

from lib.explain import views  # noqa: E402
from lib.plan import build_plan, diagnose  # noqa: E402
from lib.plan.graph import plan_dot  # noqa: E402
from pages.widgets import plan_view  # noqa: E402


def timed(label: str, fn):
    seconds, result = best_of(fn)
    print(f"{label:<34} {1000 * seconds:8.1f} ms")
    return result, seconds


def main() -> None:
    nodes = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    sys.setrecursionlimit(max(10_000, 4 * nodes))
    root = make_node(random.Random(42), nodes, [0])
    document = [{"Plan": root, "Planning Time": 1.0, "Execution Time": root["Actual Total Time"]}]
    plan = build_plan(document[0])
    found = diagnose(plan)
    print(f"synthetic plan: {len(plan.nodes):,} nodes, {len(found):,} findings")
    total = 0.0
    frame, s = timed("node table (DataFrame)", lambda: views.node_frame(plan, found))
    total += s
    _, s = timed("by table + by type", lambda: (views.by_table(frame), views.by_type(frame)))
    total += s
    rows, s = timed("tree rows (folded)", lambda: views.tree_rows(plan, found))
    total += s
    html, s = timed("tree HTML", lambda: plan_view.tree_html(plan, found, rows))
    total += s
    dot, s = timed("graph DOT (costliest paths)", lambda: plan_dot(plan, {d.node: 1 for d in found if d.node is not None}))
    total += s
    figure, s = timed("icicle figure", lambda: plan_view.icicle_figure(plan))
    total += s
    payload, s = timed("icicle figure to JSON", lambda: figure.to_json())
    total += s
    raw, s = timed("raw plan text (or decide not to)", lambda: plan_view.raw_plan_text(document, None))
    total += s
    shown = raw is not None
    print(f"tree: {len(rows)} rows drawn of {len(plan.nodes):,}, HTML {len(html) / 1e3:.0f} kB; "
          f"icicle JSON {len(payload) / 1e6:.1f} MB; raw plan "
          f"{len(json.dumps(document)) / 1e6:.1f} MB ({'shown' if shown else 'too large to show: offered as a download'})")
    print(f"{'all views':<34} {1000 * total:8.1f} ms")


if __name__ == "__main__":
    main()
