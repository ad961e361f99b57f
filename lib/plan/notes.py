"""What a node's figures mean where they cannot be read at face value.

Two things are found here and written on the node (`Node.notes`, plain sentences):

* Nodes stopped early (`Node.stopped_early`): a node whose consumer stops asking for rows
  returns fewer rows than it would produce, by design; its row estimate (always the full
  output) is then not comparable with its actual rows. The consumers that stop early:
  - a Limit, once it has its rows (it returned as many rows as it was planned to: the count
    was reached; a Limit that got fewer rows read its input to the end);
  - a semi or anti join's inner side (Nested Loop, Merge Join): the first match answers it;
  - a Merge Join: it stops reading one side when the other ends (the inner always; the outer
    for inner and semi joins, which need no unmatched rows);
  - a SubPlan used as EXISTS (or a bare boolean test, as PostgreSQL before 17 prints it): the
    first row answers it. An InitPlan's use prints the same for EXISTS and a scalar ($0,
    "(InitPlan 1).col1"), and a SubPlan in a select list is not printed without VERBOSE: such a
    subplan that returned at most one row per run is taken as an EXISTS test (a scalar subquery
    reads to its end to check there is no second row, so it rarely plans many rows);
  - and below a stopped node, whatever it streams from: the outer side of joins, every
    member of an Append, a Gather's workers. Nodes that read their whole input before
    returning a row (Sort, Hash, hashed or plain Aggregate, hashed SetOp, the bitmap below a
    Bitmap Heap Scan, a Nested Loop's inner side) are not stopped by their consumer.
  A node stopped early that still returned *more* rows than estimated is a real
  underestimate, and is judged as usual.
* Time outside a node (`Node.outside_ms`, from lib/plan/accounting.py) and what a Gather's own
  time holds.
"""

import re

from lib.core.fmt import fmt_ms

LIMIT_REACHED = 0.9  # a Limit returning this share of its planned rows (per loop) reached its count
BLOCKING = {"Sort", "Hash", "Bitmap Heap Scan", "Materialize"}
BLOCKING_STRATEGIES = {"Plain", "Hashed", "Mixed"}  # Aggregate and SetOp strategies that read everything first
SUBPLANS = ("SubPlan", "InitPlan")
EXPRESSION_KEYS = ("Filter", "Join Filter", "One-Time Filter", "Index Cond", "Recheck Cond", "Hash Cond",
                   "Merge Cond", "Output", "TID Cond")
NOTE_MIN_MS = 0.001  # below the precision EXPLAIN prints


def annotate(nodes: list) -> None:
    """Fill stopped_early and notes on every node (nodes in pre-order)."""
    for n in nodes:
        for pos, c in enumerate(n.children):
            child = nodes[c]
            child.stopped_early = _stops(n, child, pos, nodes)
    for n in nodes:
        n.notes = [text for text in (_early_note(n), _outside_note(n, nodes), _gather_note(n, nodes)) if text]


def _stops(parent, child, pos: int, nodes: list) -> str | None:
    if child.node_type == "Hash" or child.never_executed:
        return None  # a Hash reads its whole input to build the table
    if child.relationship in SUBPLANS:
        return _subplan_stop(parent, child)
    join = parent.raw.get("Join Type")
    if parent.node_type == "Limit" and _limit_reached(parent):
        return "the Limit above stopped reading it once it had its rows"
    if parent.node_type in ("Nested Loop", "Merge Join") and join in ("Semi", "Anti") and pos == 1:
        return f"the {join.lower()} join above stops at the first match"
    if parent.node_type == "Merge Join" and (pos == 1 or join in ("Inner", "Semi")):
        side = "outer" if pos == 1 else "inner"
        return f"the Merge Join above stops reading this side when its {side} side ends"
    if parent.stopped_early and _streams(parent, pos):
        return parent.stopped_early
    return None


def _limit_reached(limit) -> bool:
    if limit.actual_rows is None or limit.plan_rows is None:
        return False
    return limit.actual_rows >= LIMIT_REACHED * limit.plan_rows


def _streams(parent, pos: int) -> bool:
    """Does `parent` pass on being stopped early to its child at position `pos`?"""
    if parent.node_type in BLOCKING:
        return False
    if parent.node_type in ("Aggregate", "SetOp") and parent.raw.get("Strategy") in BLOCKING_STRATEGIES:
        return False
    if parent.node_type in ("Nested Loop", "Hash Join") and pos > 0:
        return False  # the inner side runs whole per outer row (or is a Hash)
    return True


def _subplan_stop(parent, child) -> str | None:
    name = child.subplan_name or ""
    ref = re.escape(name.split(" (")[0])
    used = " ".join(str(parent.raw.get(k) or "") for k in EXPRESSION_KEYS)
    if re.search(rf"EXISTS\s*\(\s*{ref}\)", used) or re.search(rf"(^|\(|\bOR |\bAND |NOT )\({ref}\)(\)| OR| AND|$)", used):
        return f"{name} is an EXISTS test: its first row answers it"
    if child.relationship == "SubPlan" and re.search(rf"\({ref}\)", used):
        return None  # its value is compared: it runs to the end
    if child.actual_rows is not None and child.actual_rows <= 1 and (child.plan_rows or 0) > 1:
        return f"{name} returned at most one row per run, as an EXISTS test does: its first row answers it"
    return None


def _early_note(n) -> str | None:
    if not n.stopped_early:
        return None
    text = f"Stopped early: {n.stopped_early}."
    if n.actual_rows is not None and n.plan_rows is not None and n.actual_rows < n.plan_rows:
        text += (f" It returned fewer rows than the {n.plan_rows:,.0f} estimated by design, so its row estimate "
                 "is not judged.")
    return text


def _outside_note(n, nodes: list) -> str | None:
    if n.outside_ms < NOTE_MIN_MS:
        return None
    kids = [nodes[c] for c in n.children]
    conds = " ".join(str(n.raw.get(k) or "") for k in ("Index Cond", "Recheck Cond", "TID Cond"))
    cond_subplans = [k.subplan_name for k in kids if k.relationship == "SubPlan" and k.subplan_name
                     and k.subplan_name.split(" (")[0] in conds]
    if cond_subplans:
        why = (f"{cond_subplans[0]} in its index condition is evaluated when the node above restarts it, "
               "outside this node's own timing")
    elif (n.actual_total_ms or 0) < 0.01 and (n.loops or 0) > 1:
        why = (f"EXPLAIN prints per-loop times rounded to 0.001 ms: {n.actual_total_ms:.3f} ms over "
               f"{n.loops:,} loops hides up to {fmt_ms(0.0005 * n.loops)}")
    else:
        why = "it was spent outside this node's instrumentation"
    return (f"Its children took {fmt_ms(n.outside_ms)} more than this node's own timing: {why}. That time is "
            "counted in the node above, and this node's own time is shown as 0, not as a negative figure.")


def _gather_note(n, nodes: list) -> str | None:
    if n.node_type not in ("Gather", "Gather Merge") or not n.children or n.never_executed:
        return None
    child = nodes[n.children[0]]
    procs = child.parallel_divisor
    rows = f" the {child.total_rows:,.0f} rows they produce," if child.total_rows is not None else ""
    merge = " merging their sorted streams," if n.node_type == "Gather Merge" else ""
    head = (f"A {n.node_type}'s own time is the leader's: starting the workers,{rows}{merge} passing rows through "
            f"shared memory, and waiting for the slowest process. The nodes below ran in {procs} processes "
            f"(the leader and {procs - 1} workers); PostgreSQL prints their time per loop, one loop per process")
    if any(w.get("Actual Total Time") is not None for w in child.raw.get("Workers") or []):
        return (f"{head}. VERBOSE printed each worker's time, so the time below is the slowest process's "
                "(what the Gather waited for), not the average.")
    return f"{head}, so their times here are per-process averages: the wall-clock time when the work is spread evenly."
