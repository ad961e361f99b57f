"""A plan as a flat list of measured nodes.

`build_plan(stmt)` takes one statement of FORMAT JSON (as `parse_plan` returns) and gives a
`Plan` whose `nodes` are in pre-order (index 0 is the root), each with its parent's index,
depth, inclusive and exclusive time, exclusive buffers and I/O time, row estimates against
actual rows, and rows removed by filters. How time is split between nodes is explained in
lib/plan/accounting.py; the rules in short:

* inclusive_ms = "Actual Total Time" x "Actual Loops" / P (0 when never executed).
  P = 1, except below a Gather or Gather Merge, where P is the number of processes that ran
  the Gather's child: the child's loops divided by the Gather's loops (normally the leader
  plus the launched workers; 1 + "Workers Launched" when loops are not printed). Every node
  under that child gets the same P. PostgreSQL prints a parallel node's time averaged over
  its loops, so time x loops is the sum over processes, and dividing by the processes gives
  the wall-clock part (exact when the work is evenly spread, which parallel plans aim for).
  Buffers and I/O times are totals over processes and are never divided. With VERBOSE,
  which prints each worker's time, the divisor is total / slowest process instead, so the
  parallel part counts the time the Gather waited for (lib/plan/accounting.py).
* exclusive_ms = inclusive_ms minus the time of what runs inside the node: its children,
  its SubPlans, the InitPlans whose result it uses, and for a CTE Scan the part of the CTE's
  own time that this scan triggered. Each node's time is subtracted exactly once, so the
  exclusive times sum to the root's inclusive time. When what runs inside a node took longer
  than the node's own timing (a SubPlan in an Index Cond runs at rescan, outside it; per-loop
  times are rounded), the node's own time is 0, never negative, the excess is charged to the
  node above, and `outside_ms` and a note on the node say so.
* Nodes stopped early (under a Limit, a semi join's inner side, an EXISTS...) return fewer
  rows than estimated by design: their estimate is not judged (lib/plan/notes.py).
* Without timings (plain EXPLAIN, or ANALYZE with TIMING OFF) the same split is done on
  "Total Cost" (exclusive_cost, never below 0) and shares are shares of cost.
"""

from dataclasses import dataclass, field

from lib.plan.accounting import BUFFER_FIELDS, IO_FIELDS, account
from lib.plan.notes import annotate

RELATION_KEYS = ("Relation Name", "CTE Name", "Function Name", "Tuplestore Name", "Table Function Name")


@dataclass(slots=True)
class Node:
    index: int
    parent: int | None
    depth: int
    node_type: str
    raw: dict = field(repr=False)  # the node's FORMAT JSON object (its "Plans" included)
    children: list[int] = field(default_factory=list)
    relation: str | None = None
    schema: str | None = None
    alias: str | None = None
    index_name: str | None = None
    relationship: str | None = None  # Outer, Inner, Member, InitPlan, SubPlan, Subquery
    subplan_name: str | None = None  # "InitPlan 1", "SubPlan 2", "CTE x"
    startup_cost: float = 0.0
    total_cost: float = 0.0
    plan_rows: float | None = None  # per loop; None when printed without costs
    actual_rows: float | None = None  # per loop, as PostgreSQL prints it
    loops: int | None = None
    actual_total_ms: float | None = None  # per loop
    never_executed: bool = False
    parallel_divisor: int = 1  # processes that ran it (under a Gather)
    wall_divisor: float = 1.0  # what time x loops is divided by: P, or total / slowest process (VERBOSE)
    inclusive_ms: float = 0.0
    exclusive_ms: float = 0.0
    exclusive_cost: float = 0.0
    share: float = 0.0  # of the root's time (or of the plan's cost without timings)
    buffers: dict = field(default_factory=dict)  # inclusive, as printed
    exclusive_buffers: dict = field(default_factory=dict)
    io_ms: float = 0.0
    exclusive_io_ms: float = 0.0
    rows_removed_by_filter: float = 0.0  # total over loops
    removed_share: float | None = None  # removed / (removed + kept)
    heap_fetches: float | None = None  # total over loops (PostgreSQL prints the total)
    estimate_factor: float | None = None  # >= 1, how far the row estimate was off
    estimate_direction: str | None = None  # "under" (more rows than planned) or "over"
    workers_planned: int | None = None
    workers_launched: int | None = None
    outside_ms: float = 0.0  # children's time beyond the node's own timing (its own time is then 0)
    stopped_early: str | None = None  # why its consumer stopped reading it before its end
    notes: list[str] = field(default_factory=list)  # what its figures mean where they mislead

    @property
    def label(self) -> str:
        """How EXPLAIN's TEXT format names the node, e.g. 'Hash Left Join', 'Parallel Seq Scan'."""
        return node_label(self.raw)

    @property
    def total_rows(self) -> float | None:
        """Rows the node returned over all its loops."""
        if self.actual_rows is None or self.loops is None:
            return None
        return self.actual_rows * self.loops

    def get(self, key: str, default=None):
        """Any other FORMAT JSON key of the node ("Filter", "Sort Method"...)."""
        return self.raw.get(key, default)


@dataclass
class Plan:
    nodes: list[Node]
    execution_ms: float | None
    planning_ms: float | None
    timed: bool  # per-node actual times are known
    analyzed: bool  # actual rows are known (EXPLAIN ANALYZE, maybe with TIMING OFF)
    jit: dict | None = None
    triggers: list[dict] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    planning_buffers: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def root(self) -> Node:
        return self.nodes[0]

    @property
    def total_ms(self) -> float:
        """The root's inclusive time: what the exclusive times add up to."""
        return self.root.inclusive_ms

    @property
    def jit_ms(self) -> float:
        timing = (self.jit or {}).get("Timing") or {}
        if "Total" in timing:
            return float(timing["Total"])
        return sum(_ms(v) for v in timing.values())

    @property
    def trigger_ms(self) -> float:
        return sum(float(t.get("Time", 0) or 0) for t in self.triggers)

    @property
    def total_buffers(self) -> dict:
        return dict(self.root.buffers)


def _ms(value) -> float:
    return float(value.get("Total", 0)) if isinstance(value, dict) else float(value or 0)


def _num(value, default=None):
    if value is None or value == "":
        return default
    return float(value)


def node_label(raw: dict) -> str:
    t = raw.get("Node Type", "?")
    jt = raw.get("Join Type")
    if t == "Nested Loop" and jt and jt != "Inner":
        t = f"Nested Loop {jt} Join"
    elif t in ("Hash Join", "Merge Join") and jt and jt != "Inner":
        t = f"{t[:-5]} {jt} Join"
    elif t == "Aggregate":
        t = {"Hashed": "HashAggregate", "Sorted": "GroupAggregate", "Mixed": "MixedAggregate"}.get(
            raw.get("Strategy"), t
        )
        t = {"Partial": "Partial ", "Finalize": "Finalize "}.get(raw.get("Partial Mode"), "") + t
    if raw.get("Parallel Aware"):
        t = f"Parallel {t}"
    return t


def flatten(root: dict) -> list[Node]:
    nodes: list[Node] = []
    stack: list[tuple[dict, int | None, int]] = [(root, None, 0)]
    while stack:
        raw, parent, depth = stack.pop()
        node = _node(raw, len(nodes), parent, depth)
        nodes.append(node)
        if parent is not None:
            nodes[parent].children.append(node.index)
        for child in reversed(raw.get("Plans") or []):
            stack.append((child, node.index, depth + 1))
    return nodes


def _node(raw: dict, index: int, parent: int | None, depth: int) -> Node:
    loops = raw.get("Actual Loops")
    node = Node(
        index=index,
        parent=parent,
        depth=depth,
        node_type=str(raw.get("Node Type", "?")),
        raw=raw,
        relation=next((raw[k] for k in RELATION_KEYS if raw.get(k)), None),
        schema=raw.get("Schema"),
        alias=raw.get("Alias"),
        index_name=raw.get("Index Name"),
        relationship=raw.get("Parent Relationship"),
        subplan_name=raw.get("Subplan Name"),
        startup_cost=_num(raw.get("Startup Cost"), 0.0),
        total_cost=_num(raw.get("Total Cost"), 0.0),
        plan_rows=_num(raw.get("Plan Rows")),
        actual_rows=_num(raw.get("Actual Rows")),
        loops=int(float(loops)) if loops is not None else None,
        actual_total_ms=_num(raw.get("Actual Total Time")),
        workers_planned=_int(raw.get("Workers Planned")),
        workers_launched=_int(raw.get("Workers Launched")),
    )
    node.never_executed = node.loops == 0
    node.buffers = {name: _num(raw.get(key), 0.0) for name, key in BUFFER_FIELDS}
    node.io_ms = sum(_num(raw.get(key), 0.0) for key in IO_FIELDS)
    return node


def _int(value) -> int | None:
    return None if value is None else int(float(value))


def build_plan(stmt: dict) -> Plan:
    """Measure every node of one statement of FORMAT JSON."""
    nodes = flatten(stmt["Plan"])
    timed = any(n.actual_total_ms is not None for n in nodes)
    analyzed = any(n.loops is not None for n in nodes)
    plan = Plan(
        nodes=nodes,
        execution_ms=_num(stmt.get("Execution Time", stmt.get("Total Runtime"))),
        planning_ms=_num(stmt.get("Planning Time")),
        timed=timed,
        analyzed=analyzed,
        jit=stmt.get("JIT"),
        triggers=list(stmt.get("Triggers") or []),
        settings=dict(stmt.get("Settings") or {}),
        planning_buffers={name: _num((stmt.get("Planning") or {}).get(key), 0.0) for name, key in BUFFER_FIELDS},
        raw={k: v for k, v in stmt.items() if k != "Plan"},
    )
    account(nodes, timed)
    annotate(nodes)
    for node in nodes:
        _rows(node)
    return plan


def _rows(node: Node) -> None:
    loops = node.loops or 0
    removed = _num(node.raw.get("Rows Removed by Filter"))
    if removed is not None:
        node.rows_removed_by_filter = removed * loops
        kept = (node.actual_rows or 0) * loops
        total = node.rows_removed_by_filter + kept
        node.removed_share = node.rows_removed_by_filter / total if total else None
    node.heap_fetches = _num(node.raw.get("Heap Fetches"))
    if node.actual_rows is None or node.plan_rows is None or node.never_executed:
        return
    actual, planned = max(node.actual_rows, 1.0), max(node.plan_rows, 1.0)
    if node.stopped_early and actual < planned:
        return  # fewer rows by design: the estimate is of the whole output, not comparable
    node.estimate_factor = max(actual, planned) / min(actual, planned)
    if actual > planned:
        node.estimate_direction = "under"
    elif actual < planned:
        node.estimate_direction = "over"
