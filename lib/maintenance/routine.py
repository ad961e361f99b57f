"""The guide's weekly routine: VACUUM ANALYZE the busiest tables, then run the checks again.

"Busiest" = most inserts, updates and deletes since the table was last vacuumed/analyzed (see
queries/maint_busiest_tables.sql); at most `weekly_routine_tables` of them, each with at least
`weekly_routine_min_changes` changes (fewer is not worth a vacuum). Each table is one audited
action under the same rules as a click (advisory lock, lock_timeout, privileges); one failing table
does not stop the others. The checks run afterwards tell what is still left to do.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from lib.actions import builders
from lib.checks import run_checks
from lib.core.findings import CheckContext, Finding, Severity
from lib.core.store import Store
from lib.maintenance import runner
from lib.maintenance.runner import ActionRun, Actor


@dataclass(frozen=True)
class RoutineTable:
    schema: str
    name: str
    changes: int
    dead_tuples: int
    dead_ratio: float | None
    total_bytes: int
    last_vacuum: Any = None
    last_analyze: Any = None

    @property
    def action(self):
        return builders.vacuum(self.schema, self.name, analyze=True)


def plan(db, limit: int | None = None) -> list[RoutineTable]:
    rows = db.rows("maint_busiest_tables", {"limit": limit or db.thresholds.weekly_routine_tables,
                                            "min_changes": db.thresholds.weekly_routine_min_changes})
    return [RoutineTable(r["schema"], r["name"], int(r["changes"]), int(r["n_dead_tup"]), r["dead_ratio"],
                         int(r["total_bytes"]), r["last_vacuum"], r["last_analyze"]) for r in rows]


@dataclass
class RoutineRun:
    tables: list[RoutineTable]
    runs: list[ActionRun] = field(default_factory=list)
    state: str = "pending"  # pending, running, done (each table's own outcome is in runs), cancelled
    findings_after: list[Finding] = field(default_factory=list)
    check_errors: dict[str, str] = field(default_factory=dict)
    started: float | None = None
    finished: float | None = None
    cancel_requested: bool = False
    thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def is_final(self) -> bool:
        return self.state in ("done", "cancelled")

    @property
    def current(self) -> ActionRun | None:
        return self.runs[-1] if self.runs and not self.runs[-1].is_final else None

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for run in self.runs:
            out[run.state] = out.get(run.state, 0) + 1
        return out


def execute(db, store: Store, actor: Actor, tables: list[RoutineTable] | None = None,
            routine: RoutineRun | None = None) -> RoutineRun:
    routine = routine or RoutineRun(tables if tables is not None else plan(db))
    routine.state, routine.started = "running", time.time()
    for table in routine.tables:
        if routine.cancel_requested:
            break
        run = ActionRun(table.action, db.config.name, actor, server=db.config.display)
        routine.runs.append(run)
        runner.execute(db, table.action, store, actor, run=run)
    if not routine.cancel_requested:
        result = run_checks(CheckContext(db, db.thresholds))
        routine.findings_after = [f for f in result.findings if f.severity >= Severity.WARNING]
        routine.check_errors = result.errors
    routine.state = "cancelled" if routine.cancel_requested else "done"
    routine.finished = time.time()
    return routine


def start(db, store: Store, actor: Actor, tables: list[RoutineTable]) -> RoutineRun:
    routine = RoutineRun(tables)
    routine.thread = threading.Thread(target=execute, args=(db, store, actor, tables, routine), daemon=True,
                                      name="pgpulse-weekly-routine")
    routine.thread.start()
    return routine


def cancel(db, routine: RoutineRun) -> None:
    """Stop after the current table, and cancel that one's statement."""
    routine.cancel_requested = True
    if routine.current is not None:
        runner.cancel(db, routine.current)
