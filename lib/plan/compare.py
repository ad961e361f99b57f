"""Before and after: how a plan changed (an index added, a setting raised, a query rewritten).

Nodes are paired in two steps. Scans are paired by the table they read (relation and alias),
wherever they sit, so a Seq Scan that became an Index Scan on the same table is reported as
such even if the join order changed. The other nodes are paired by position in the tree (the
same path of child numbers from the root) when they have the same type.
"""

from dataclasses import dataclass, field

from lib.plan.model import Node, Plan


@dataclass
class NodeChange:
    kind: str  # same, scan-changed, added, removed
    before: int | None  # node index in the old plan
    after: int | None  # node index in the new plan
    before_label: str | None
    after_label: str | None
    relation: str | None
    before_ms: float | None  # exclusive time (or exclusive cost when untimed)
    after_ms: float | None
    message: str


@dataclass
class Comparison:
    metric: str  # "ms" when both plans have timings, else "cost"
    before_total: float
    after_total: float
    before_buffers: dict
    after_buffers: dict
    changes: list[NodeChange] = field(default_factory=list)

    @property
    def speedup(self) -> float | None:
        """How many times faster the new plan is (below 1: slower)."""
        return self.before_total / self.after_total if self.after_total > 0 else None

    def to_json(self) -> dict:
        return {
            "metric": self.metric,
            "before_total": self.before_total,
            "after_total": self.after_total,
            "speedup": self.speedup,
            "before_buffers": self.before_buffers,
            "after_buffers": self.after_buffers,
            "changes": [vars(c) for c in self.changes],
        }


def _total(plan: Plan, timed: bool) -> float:
    if timed:
        return plan.execution_ms if plan.execution_ms is not None else plan.total_ms
    return plan.root.total_cost


def _own(node: Node, timed: bool) -> float:
    return node.exclusive_ms if timed else node.exclusive_cost


def _key(node: Node) -> tuple:
    return node.schema, node.relation, node.alias


def _paths(plan: Plan) -> dict[tuple, int]:
    paths: dict[int, tuple] = {0: ()}
    for node in plan.nodes:
        for pos, child in enumerate(node.children):
            paths[child] = (*paths[node.index], pos)
    return {p: i for i, p in paths.items()}


def _pairs(before: Plan, after: Plan) -> list[tuple[int, int]]:
    pairs: list[tuple[int, int]] = []
    free_after = [n for n in after.nodes if n.relation]
    for b in (n for n in before.nodes if n.relation):
        match = next((a for a in free_after if _key(a) == _key(b)), None)
        if match is not None:
            free_after.remove(match)
            pairs.append((b.index, match.index))
    used_b, used_a = {p[0] for p in pairs}, {p[1] for p in pairs}
    after_paths = _paths(after)
    for path, b in _paths(before).items():
        a = after_paths.get(path)
        if a is None or b in used_b or a in used_a:
            continue
        if before.nodes[b].label == after.nodes[a].label and not before.nodes[b].relation:
            pairs.append((b, a))
            used_b.add(b)
            used_a.add(a)
    return pairs


def compare(before: Plan, after: Plan) -> Comparison:
    timed = before.timed and after.timed
    unit = "ms" if timed else "cost"
    out = Comparison(
        metric=unit,
        before_total=_total(before, timed),
        after_total=_total(after, timed),
        before_buffers=before.total_buffers,
        after_buffers=after.total_buffers,
    )
    pairs = _pairs(before, after)
    for b, a in sorted(pairs):
        nb, na = before.nodes[b], after.nodes[a]
        where = f" on {nb.relation}" if nb.relation else ""
        if nb.label == na.label:
            kind, msg = "same", f"{nb.label}{where}: {_own(nb, timed):,.1f} -> {_own(na, timed):,.1f} {unit}"
        else:
            kind = "scan-changed"
            msg = f"{nb.label} became {na.label}{where}: {_own(nb, timed):,.1f} -> {_own(na, timed):,.1f} {unit}"
        out.changes.append(NodeChange(kind, b, a, nb.label, na.label, nb.relation, _own(nb, timed), _own(na, timed), msg))
    paired_b, paired_a = {p[0] for p in pairs}, {p[1] for p in pairs}
    for n in before.nodes:
        if n.index not in paired_b:
            out.changes.append(_lone("removed", n, timed, unit))
    for n in after.nodes:
        if n.index not in paired_a:
            out.changes.append(_lone("added", n, timed, unit))
    return out


def _lone(kind: str, node: Node, timed: bool, unit: str) -> NodeChange:
    where = f" on {node.relation}" if node.relation else ""
    own = _own(node, timed)
    before, after = (node.index, None) if kind == "removed" else (None, node.index)
    msg = f"{node.label}{where} {kind} ({own:,.1f} {unit})"
    labels = (node.label, None) if kind == "removed" else (None, node.label)
    times = (own, None) if kind == "removed" else (None, own)
    return NodeChange(kind, before, after, *labels, node.relation, *times, msg)
