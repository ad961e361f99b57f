"""The measured proof: the statements a recommendation serves, EXPLAIN ANALYZEd before and after the index.

    before = measure(db, advice, rec)                 # lib.explain's safe runner: rolled back, read only
    run = create(db, rec, store, actor)              # the maintenance runner: CONCURRENTLY, audited
    after = measure(db, advice, rec)
    results = compared(before, after)                # lib.plan.compare per statement: speed-up, changed nodes

Statements run with representative values for their `$n` (lib.advisor.values); a statement that
changes data is not run (EXPLAIN ANALYZE would execute it), nor one whose `$n` have no value. Both
plans are kept in pgpulse's store (the Plans page compares them again later); the creation itself is
in the audit log, which the weekly review reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.advisor import values as vals
from lib.advisor.advise import Advice, Recommendation, Workload
from lib.core.errors import PgPulseError
from lib.explain import keep
from lib.explain.errors import ExplainRefused
from lib.explain.options import ExplainOptions
from lib.explain.run import ExplainRun, run_explain
from lib.maintenance import runner
from lib.plan import compare
from lib.plan.compare import Comparison


@dataclass
class Measurement:
    statement: Workload
    run: ExplainRun | None = None
    problem: str | None = None

    @property
    def ms(self) -> float | None:
        return self.run.plan.execution_ms if self.run else None


@dataclass
class Result:
    statement: Workload
    before: Measurement
    after: Measurement
    comparison: Comparison | None

    @property
    def speedup(self) -> float | None:
        return self.comparison.speedup if self.comparison else None

    @property
    def problem(self) -> str | None:
        return self.before.problem or self.after.problem


def measure(db, advice: Advice, rec: Recommendation, store=None, label: str = "") -> list[Measurement]:
    """EXPLAIN ANALYZE of each statement the recommendation serves (kept in `store` when given)."""
    out = []
    for served in rec.statements:
        w = served.statement
        m = Measurement(w)
        out.append(m)
        if w.reading is None or w.reading.kind != "select":
            m.problem = "not run: it changes data, and EXPLAIN ANALYZE would execute it"
            continue
        params = vals.values_for(w.reading, w.placeholders, advice.tables)
        if params is None:
            m.problem = "not run: no representative value for one of its $n (its column has no statistics)"
            continue
        try:
            m.run = run_explain(db, w.query, ExplainOptions(analyze=True), params)
        except ExplainRefused as exc:
            m.problem = "not run: " + "; ".join(exc.reasons)
            continue
        except PgPulseError as exc:
            m.problem = exc.problem.line()
            continue
        if store is not None and label:
            keep.keep(store, db.config.name, f"{label}: {w.short(80)}", m.run.document, sql=w.query,
                      options={"analyze": True, "params": list(params)})
    return out


def compared(before: list[Measurement], after: list[Measurement]) -> list[Result]:
    results = []
    for b, a in zip(before, after, strict=True):
        cmp = compare(b.run.plan, a.run.plan) if b.run and a.run else None
        results.append(Result(b.statement, b, a, cmp))
    return results


def create(db, rec: Recommendation, store, actor: runner.Actor) -> runner.ActionRun:
    """CREATE INDEX CONCURRENTLY through the maintenance runner (checks, lock, progress, audit)."""
    return runner.execute(db, rec.action, store, actor)


def create_and_measure(db, advice: Advice, rec: Recommendation, store, actor: runner.Actor
                       ) -> tuple[runner.ActionRun, list[Result]]:
    """Measure, create, measure again: the command line's and the tests' one call."""
    name = rec.action.target_name
    before = measure(db, advice, rec, store, f"before {name}")
    run = create(db, rec, store, actor)
    if run.state != "done":
        return run, []
    after = measure(db, advice, rec, store, f"after {name}")
    return run, compared(before, after)
