"""The blocking tree's shape from pg_blocking_pids rows: chains, several blockers, cycles, ended sessions."""

from __future__ import annotations

from lib.live.blocking import build_tree, root_blockers


def rows(edges: dict[int, list[int]], extra: tuple[int, ...] = ()) -> list[dict]:
    pids = set(edges) | {b for bs in edges.values() for b in bs} | set(extra)
    return [{"pid": p, "blocked_by": edges.get(p, []), "state": "active"} for p in sorted(pids)]


def test_no_waits_no_tree():
    assert build_tree(rows({}, extra=(1, 2, 3)), []) == []


def test_a_chain_is_drawn_under_its_deepest_blocker():
    # 30 waits for 20 (queued ahead of it for a conflicting lock) and for 10, which holds the lock.
    nodes = build_tree(rows({20: [10], 30: [10, 20]}), [])
    assert [(n.pid, n.depth, n.parent) for n in nodes] == [(10, 0, None), (20, 1, 10), (30, 2, 20)]
    assert all(n.roots == (10,) for n in nodes)
    assert nodes[0].waiting == 2 and nodes[1].waiting == 1 and nodes[2].waiting == 0
    assert nodes[2].blocked_by == (10, 20)


def test_busiest_root_comes_first_and_each_waiter_keeps_all_its_roots():
    nodes = build_tree(rows({5: [1], 6: [2], 7: [2], 8: [1, 2]}), [])
    roots = root_blockers(nodes)
    assert [r.pid for r in roots] == [2, 1]  # 2 holds up 6, 7, 8; 1 holds up 5 (8 is drawn under 2)
    eight = next(n for n in nodes if n.pid == 8)
    assert eight.roots == (1, 2) and eight.parent == 2


def test_a_deadlock_cycle_still_gets_a_root():
    nodes = build_tree(rows({1: [2], 2: [1]}), [])
    assert sorted(n.pid for n in nodes) == [1, 2]
    assert len(root_blockers(nodes)) == 1


def test_lock_details_and_wait_time_come_from_the_waited_lock():
    locks = [{"pid": 2, "wanted_mode": "ShareLock", "relation": "t", "wait_s": 4.5,
              "held_by": {"1": "ExclusiveLock"}}]
    nodes = build_tree(rows({2: [1]}), locks)
    waiter = nodes[1]
    assert waiter.held_by_parent == "ExclusiveLock" and waiter.wait_s == 4.5
    assert nodes[0].lock is None and nodes[0].held_by_parent is None


def test_a_blocker_that_ended_meanwhile_is_kept_without_session():
    nodes = build_tree([{"pid": 2, "blocked_by": [99]}], [])
    assert [(n.pid, n.session) for n in nodes] == [(99, None), (2, {"pid": 2, "blocked_by": [99]})]
