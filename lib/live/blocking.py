"""Who blocks whom: the lock-wait graph from pg_blocking_pids as a tree with its root blockers.

A waiter can have several blockers (the holder, and sessions queued ahead of it for a conflicting
lock), so the graph is a DAG: each waiter is drawn under its deepest blocker, and every root it
leads back to is kept. The one session to act on is the root blocker, which waits for no one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BlockNode:
    pid: int
    depth: int  # 0 for a root blocker
    parent: int | None  # the blocker it is drawn under
    blocked_by: tuple[int, ...]
    roots: tuple[int, ...]  # the root blockers it waits behind (itself for a root)
    waiting: int  # sessions waiting behind it, directly or not
    session: Mapping[str, Any] | None  # its pg_stat_activity row; None when it ended meanwhile
    lock: Mapping[str, Any] | None  # the lock it waits for (None for a root)

    @property
    def is_root(self) -> bool:
        return self.depth == 0

    @property
    def held_by_parent(self) -> str | None:
        """The lock modes its drawn blocker holds on what it wants."""
        if not self.lock or self.parent is None:
            return None
        held = self.lock.get("held_by") or {}
        return held.get(str(self.parent))

    @property
    def wait_s(self) -> float | None:
        if self.lock and self.lock.get("wait_s") is not None:
            return float(self.lock["wait_s"])
        if self.session and self.session.get("state_s") is not None:
            return float(self.session["state_s"])
        return None


def build_tree(sessions: Sequence[Mapping[str, Any]], locks: Sequence[Mapping[str, Any]]) -> list[BlockNode]:
    """Every session involved in a lock wait, depth-first from the root blockers (busiest first)."""
    rows = {int(s["pid"]): s for s in sessions}
    waits = {int(lock["pid"]): lock for lock in locks}
    blockers = {pid: tuple(sorted({int(b) for b in s.get("blocked_by") or [] if int(b) != pid}))
                for pid, s in rows.items() if s.get("blocked_by")}
    if not blockers:
        return []
    involved = set(blockers) | {b for bs in blockers.values() for b in bs}
    depth: dict[int, int] = {}

    def depth_of(pid: int, path: frozenset = frozenset()) -> int:
        if pid in depth:
            return depth[pid]
        ups = [b for b in blockers.get(pid, ()) if b not in path]  # a deadlock cycle ends here
        value = 0 if not ups else 1 + max(depth_of(b, path | {pid}) for b in ups)
        depth[pid] = value
        return value

    for pid in sorted(involved):
        depth_of(pid)

    def ancestors(pid: int) -> set[int]:
        found, stack = set(), [pid]
        while stack:
            for up in blockers.get(stack.pop(), ()):
                if up not in found and up != pid:
                    found.add(up)
                    stack.append(up)
        return found

    above = {pid: ancestors(pid) for pid in involved}
    # everyone waiting behind a session, through any of their blockers
    below = {pid: sum(1 for other in involved if pid in above[other]) for pid in involved}
    parent = {pid: max(blockers[pid], key=lambda b: (depth[b], below[b], -b)) for pid in involved
              if depth[pid] > 0}
    children: dict[int, list[int]] = {}
    for pid, up in parent.items():
        children.setdefault(up, []).append(pid)

    def roots_of(pid: int) -> tuple[int, ...]:
        return tuple(sorted(p for p in above[pid] | {pid} if depth[p] == 0))

    ordered: list[BlockNode] = []
    drawn: set[int] = set()

    def visit(pid: int) -> None:
        if pid in drawn:  # a deadlock cycle: draw each session once
            return
        drawn.add(pid)
        ordered.append(BlockNode(pid=pid, depth=depth[pid], parent=parent.get(pid),
                                 blocked_by=blockers.get(pid, ()), roots=roots_of(pid) or (pid,),
                                 waiting=below[pid], session=rows.get(pid), lock=waits.get(pid)))
        for child in sorted(children.get(pid, []), key=lambda c: (-below[c], c)):
            visit(child)

    for root in sorted((p for p in involved if depth[p] == 0), key=lambda p: (-below[p], p)):
        visit(root)
    return ordered


def root_blockers(nodes: Sequence[BlockNode]) -> list[BlockNode]:
    return [n for n in nodes if n.is_root]
