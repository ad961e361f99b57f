"""The analysis as text for a terminal: a tree with each node's own time, then the findings."""

from lib.plan.compare import Comparison
from lib.plan.diagnose import Diagnostic, name
from lib.plan.model import Node, Plan


def _num(n: float | None) -> str:
    return "-" if n is None else f"{n:,.0f}"


def _rows(node: Node) -> str:
    est = _num(node.plan_rows)
    if node.never_executed:
        return f"{est} -> never executed"
    if node.actual_rows is None:
        return est
    text = f"{est} -> {_num(node.actual_rows)}"
    if node.loops and node.loops > 1:
        text += f" x{node.loops:,}"
    if node.estimate_factor and node.estimate_factor >= 10:
        text += f" ({node.estimate_factor:,.0f}x {node.estimate_direction})"
    return text


def _head(node: Node) -> str:
    text = name(node)
    if node.subplan_name:
        text = f"[{node.subplan_name}] {text}"
    if node.alias and node.relation and node.alias != node.relation:
        text += f" {node.alias}"
    return text


def render_plan(plan: Plan, diagnostics: list[Diagnostic]) -> str:
    lines = [_summary(plan), ""]
    own = "own ms" if plan.timed else "own cost"
    lines.append(f"{'#':>4} {own:>11} {'share':>6}  {'rows est -> actual':<34} node")
    for node in plan.nodes:
        # timing noise can leave a node a hair below zero: show it as nothing
        value = max(0.0, node.exclusive_ms if plan.timed else node.exclusive_cost)
        indent = "  " * node.depth + ("-> " if node.depth else "")
        share = max(0.0, node.share)
        lines.append(f"{node.index:>4} {value:>11,.2f} {share:>6.1%}  {_rows(node):<34} {indent}{_head(node)}")
    notes = [f"note #{n.index}: {text}" for n in plan.nodes for text in n.notes]
    if notes:
        lines += ["", *notes]
    lines.append("")
    if not diagnostics:
        lines.append("No findings.")
    for d in diagnostics:
        where = f"#{d.node} " if d.node is not None else ""
        lines.append(f"[{d.severity}] {where}{d.rule}: {d.message}")
    return "\n".join(lines) + "\n"


def _summary(plan: Plan) -> str:
    parts = []
    if plan.execution_ms is not None:
        parts.append(f"Execution {plan.execution_ms:,.3f} ms")
    if plan.planning_ms is not None:
        parts.append(f"Planning {plan.planning_ms:,.3f} ms")
    if plan.jit:
        parts.append(f"JIT {plan.jit_ms:,.3f} ms")
    if plan.triggers:
        parts.append(f"Triggers {plan.trigger_ms:,.3f} ms")
    b = plan.total_buffers
    if any(b.values()):
        parts.append(f"Buffers: shared hit {_num(b['shared_hit'])}, read {_num(b['shared_read'])}, "
                     f"temp written {_num(b['temp_written'])}")  # fmt: skip
    if not plan.analyzed:
        parts.append("estimates only (no ANALYZE): shares are shares of cost")
    elif not plan.timed:
        parts.append("no timings (TIMING OFF): shares are shares of cost")
    return "  |  ".join(parts) or f"{plan.root.label}"


def render_comparison(cmp: Comparison) -> str:
    unit = cmp.metric
    lines = [f"Before {cmp.before_total:,.3f} {unit}  ->  after {cmp.after_total:,.3f} {unit}"]
    if cmp.speedup is not None:
        lines[0] += f"  ({cmp.speedup:,.2f}x {'faster' if cmp.speedup >= 1 else 'slower'})"
    for key in ("shared_hit", "shared_read", "temp_read", "temp_written"):
        b, a = cmp.before_buffers.get(key, 0), cmp.after_buffers.get(key, 0)
        if b or a:
            lines.append(f"  buffers {key.replace('_', ' ')}: {b:,.0f} -> {a:,.0f}")
    for change in cmp.changes:
        if change.kind != "same":
            lines.append(f"  [{change.kind}] {change.message}")
    return "\n".join(lines) + "\n"
