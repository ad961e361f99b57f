"""Split time, cost, buffers and I/O time between nodes, counting each once.

EXPLAIN reports inclusive figures: a node's time contains the time of everything it pulled
rows from. To get a node's own (exclusive) share, each node's inclusive figure is
"charged" to the node whose figure contains it, and subtracted there:

* a child (Outer, Inner, Member, Subquery) and a SubPlan: to its parent, which runs it;
* an InitPlan: to the node whose conditions use its result ($0 before PostgreSQL 17,
  "(InitPlan 1).col1" since), since that node evaluates it on first use; PostgreSQL
  attaches InitPlans to the top of the query level, which is often not where they run.
  When that node's time is too short to hold the InitPlan's, the first node above it that
  can (a Gather evaluates the InitPlans its workers use before starting them); without a
  visible use, its parent;
* a CTE ("CTE x", shown as an InitPlan): to the CTE Scans reading it, because a CTE runs
  when a scan asks it for rows. Which scan triggered which rows is not in the plan: the
  scans slowest per loop take it first (rescans of a CTE Scan only re-read stored rows, so
  the scan that ran the CTE is the one with a long single pass), each at most up to its
  own time; any remainder goes to the node the CTE hangs from.

Every non-root node is charged in full exactly once, so exclusive times sum to the root's
inclusive time. Costs are split by parent only: the planner adds InitPlan and CTE costs to
the node they are attached to. Buffers and I/O time follow the time charges, in
proportion for a CTE split between scans.
"""

import re

BUFFER_FIELDS = [
    (f"{kind.lower()}_{what.lower()}", f"{kind} {what} Blocks")
    for kind in ("Shared", "Local", "Temp")
    for what in ("Hit", "Read", "Dirtied", "Written")
]
IO_FIELDS = (
    "I/O Read Time", "I/O Write Time", "Shared I/O Read Time", "Shared I/O Write Time",
    "Local I/O Read Time", "Local I/O Write Time", "Temp I/O Read Time", "Temp I/O Write Time",
)  # fmt: skip
GATHERS = ("Gather", "Gather Merge")
NAME_KEYS = {"Node Type", "Parent Relationship", "Subplan Name", "Relation Name", "Alias", "Schema",
             "Index Name", "CTE Name", "Function Name", "Plans"}  # fmt: skip


def account(nodes: list, timed: bool) -> None:
    """Fill inclusive/exclusive time, cost, buffers and I/O and each node's share."""
    end = subtree_ends(nodes)
    _parallel_divisors(nodes, end)
    for n in nodes:
        if n.never_executed or n.actual_total_ms is None:
            n.inclusive_ms = 0.0
        else:
            n.inclusive_ms = n.actual_total_ms * (n.loops or 1) / n.wall_divisor
    charges = _time_charges(nodes, end) if timed else [(n.index, n.parent, 1.0) for n in nodes[1:]]
    _subtract(nodes, charges)
    _costs(nodes)
    _shares(nodes, timed)


def subtree_ends(nodes: list) -> list[int]:
    """end[i] = index of the last node in i's subtree (nodes are in pre-order)."""
    end = list(range(len(nodes)))
    for n in reversed(nodes):
        if n.children:
            end[n.index] = end[n.children[-1]]
    return end


def _parallel_divisors(nodes: list, end: list[int]) -> None:
    """Nodes under a Gather run in several processes; P = processes that ran the child.

    PostgreSQL adds up the workers' and the leader's figures and prints time per loop, one
    loop per process: the average process. What the Gather waited for is the slowest one, so
    when VERBOSE prints each worker's time (the leader's is the total minus the workers'),
    the subtree is divided by total / slowest instead of P: its inclusive time is then the
    slowest process's, and the Gather's own time is only what came on top (starting workers,
    passing rows, merging). Without per-worker times the work is taken as evenly spread.
    """
    for g in nodes:
        if g.node_type not in GATHERS:
            continue
        for c in g.children:
            child = nodes[c]
            if child.relationship in ("InitPlan", "SubPlan"):
                continue  # run by the leader alone
            if child.loops and g.loops:
                p = max(1, round(child.loops / g.loops))
            else:
                p = 1 + (g.workers_launched if g.workers_launched is not None else g.workers_planned or 0)
            wall = _spread(child, g, p)
            for i in range(c, end[c] + 1):
                nodes[i].parallel_divisor = p
                nodes[i].wall_divisor = wall


def _spread(child, gather, processes: int) -> float:
    """total / slowest process of the Gather's child, from VERBOSE's per-worker times; else P."""
    workers = [w for w in child.raw.get("Workers") or [] if w.get("Actual Total Time") is not None]
    if gather.loops != 1 or not workers or child.actual_total_ms is None or not child.loops:
        return float(processes)
    times = [float(w["Actual Total Time"]) * float(w.get("Actual Loops") or 1) for w in workers]
    total = child.actual_total_ms * child.loops
    if len(workers) < processes:  # the leader ran it too: its part is what the workers do not account for
        times.append(max(0.0, total - sum(times)))
    slowest = max(times)
    return min(float(processes), max(1.0, total / slowest)) if slowest > 0 else float(processes)


def _time_charges(nodes: list, end: list[int]) -> list[tuple[int, int, float]]:
    """(node, charged to, fraction of the node's inclusive figures)."""
    charges, received, ctes = [], [0.0] * len(nodes), []
    for n in nodes[1:]:
        if n.relationship == "InitPlan" and (n.subplan_name or "").startswith("CTE "):
            ctes.append(n)
            continue
        target = _initplan_user(nodes, n, end) if n.relationship == "InitPlan" else n.parent
        charges.append((n.index, target, 1.0))
        received[target] += n.inclusive_ms
    for cte in ctes:
        charges.extend(_cte_charges(nodes, cte, end, received))
    return charges


def _initplan_user(nodes: list, init, end: list[int]) -> int:
    pattern = _param_pattern(init.subplan_name or "")
    if pattern is None:
        return init.parent
    for i in range(init.parent, end[init.parent] + 1):
        if init.index <= i <= end[init.index]:
            continue
        if _mentions(nodes[i].raw, pattern):
            # a parallel worker gets the result from its Gather, which runs the InitPlan first
            while nodes[i].parallel_divisor != nodes[init.parent].parallel_divisor and i != init.parent:
                i = nodes[i].parent
                if nodes[i].node_type in GATHERS:
                    break
            # the node charged must have spent at least the InitPlan's time
            while i != init.parent and nodes[i].inclusive_ms < 0.99 * init.inclusive_ms:
                i = nodes[i].parent
            return i
    return init.parent


def _param_pattern(name: str) -> re.Pattern | None:
    """How conditions refer to an InitPlan's result: '$0' (<= 16) or '(InitPlan 1)' (17+)."""
    alts = [rf"\${p}(?!\d)" for p in re.findall(r"\$(\d+)", name)]
    m = re.match(r"^(InitPlan \S+)", name)
    if m:
        alts.append(re.escape(f"({m.group(1)})"))
    return re.compile("|".join(alts)) if alts else None


def _mentions(raw: dict, pattern: re.Pattern) -> bool:
    for key, value in raw.items():
        if key in NAME_KEYS:
            continue
        if isinstance(value, str) and pattern.search(value):
            return True
        if isinstance(value, list) and any(isinstance(v, str) and pattern.search(v) for v in value):
            return True
    return False


def _cte_charges(nodes: list, cte, end: list[int], received: list[float]) -> list[tuple[int, int, float]]:
    name = cte.subplan_name[4:]
    top = cte.parent
    scans = [
        nodes[i]
        for i in range(top, end[top] + 1)
        if nodes[i].node_type == "CTE Scan" and nodes[i].raw.get("CTE Name") == name
    ]
    total = cte.inclusive_ms
    if total <= 0:
        return [(cte.index, cte.parent, 1.0)]
    out, left = [], total
    for scan in sorted(scans, key=lambda s: -(s.actual_total_ms or 0.0)):
        take = min(left, max(0.0, scan.inclusive_ms - received[scan.index]))
        if take > 0:
            out.append((cte.index, scan.index, take / total))
            received[scan.index] += take
            left -= take
    if left > 1e-9:
        out.append((cte.index, cte.parent, left / total))
        received[cte.parent] += left
    return out


def _subtract(nodes: list, charges: list[tuple[int, int, float]]) -> None:
    for n in nodes:
        n.exclusive_ms = n.inclusive_ms
        n.exclusive_buffers = dict(n.buffers)
        n.exclusive_io_ms = n.io_ms
        n.outside_ms = 0.0
    received = [0.0] * len(nodes)
    for child, target, frac in charges:
        c, t = nodes[child], nodes[target]
        received[target] += frac * c.inclusive_ms
        t.exclusive_io_ms -= frac * c.io_ms
        for k, v in c.buffers.items():
            t.exclusive_buffers[k] -= frac * v
    _overflow(nodes, received)
    for n in nodes:
        # buffers and I/O are counted by the backend, not per node: children can show
        # a little more than their parent, never less than nothing
        n.exclusive_io_ms = max(0.0, n.exclusive_io_ms)
        n.exclusive_buffers = {k: max(0.0, round(v, 6)) for k, v in n.exclusive_buffers.items()}


def _overflow(nodes: list, received: list[float]) -> None:
    """Subtract what each node runs; what does not fit in its own timing moves up a level.

    A node's children can take longer than the node itself: a SubPlan in an Index Cond is run
    when the parent rescans the node, outside the node's instrumentation; per-loop times are
    printed rounded to 0.001 ms, so a Memoize answering thousands of loops from its cache shows
    0.000 ms over a child that took longer. The excess was spent in the node above (it holds
    the rescans and the rounding), so it is charged there; the node keeps 0 ms of its own and
    says how much of its children's time ran outside it (`outside_ms`). Deepest nodes first,
    so an excess passed up is counted before the node above is settled.
    """
    for n in sorted(nodes, key=lambda n: -n.index):
        n.exclusive_ms = n.inclusive_ms - received[n.index]
        excess = -n.exclusive_ms
        if excess <= 0:
            continue
        n.exclusive_ms = 0.0
        n.outside_ms = excess
        if n.parent is not None:
            received[n.parent] += excess


def _costs(nodes: list) -> None:
    for n in nodes:
        n.exclusive_cost = n.total_cost
    for n in nodes[1:]:
        nodes[n.parent].exclusive_cost -= n.total_cost
    for n in nodes:
        # a Limit costs a fraction of its child: its own part is nothing, not negative
        n.exclusive_cost = max(0.0, n.exclusive_cost)


def _shares(nodes: list, timed: bool) -> None:
    if timed:
        # the root's time, or more when part of its children's time ran outside even the root
        total = sum(n.exclusive_ms for n in nodes)
        for n in nodes:
            n.share = n.exclusive_ms / total if total > 0 else 0.0
        return
    total = sum(n.exclusive_cost for n in nodes)
    for n in nodes:
        n.share = n.exclusive_cost / total if total > 0 else 0.0
