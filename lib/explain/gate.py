"""What must be true before a statement is sent: decided from the parse tree, never the server.

Without ANALYZE, EXPLAIN only plans: nothing in the statement runs (volatile functions are not
called, InitPlans are not evaluated, READ ONLY is not even consulted), so writes and side
effects need no permission then. With ANALYZE the statement really runs, inside a transaction
that is always rolled back:
- data changes and row locks need `allow_writes` (else the transaction is READ ONLY);
- functions whose effects escape the rollback (the verdict's side effects) need `confirmed`;
- behind a transaction pooler a session-level advisory lock would stay with a server
  connection that other clients get next: refused even when confirmed.
`$n` placeholders need one value each, or GENERIC_PLAN.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.explain.errors import (
    BAD_OPTIONS,
    NEEDS_CONFIRMATION,
    NEEDS_VALUES,
    NEEDS_WRITES,
    REFUSED,
    ExplainRefused,
)
from lib.explain.options import ExplainOptions
from lib.sqltext.safety import SafetyVerdict, analyze_for_explain
from lib.sqltext.sidefx import WARNING


@dataclass(frozen=True)
class Permit:
    verdict: SafetyVerdict
    read_only: bool
    notes: tuple[str, ...] = ()


def confirmations(verdict: SafetyVerdict) -> list[str]:
    """The side effects a user must accept before the statement may run with ANALYZE."""
    return [f"{e.function}() {e.why}" for e in verdict.side_effects if e.level == WARNING]


def check(sql_text: str, options: ExplainOptions, params: tuple | None = None, pooler: bool = False) -> Permit:
    """The permit to run, or ExplainRefused saying what is missing. Pure: no database."""
    verdict = analyze_for_explain(sql_text)
    if verdict.refused:
        raise ExplainRefused(REFUSED, [verdict.reason], verdict)
    _check_values(verdict, options, params)
    notes = list(verdict.notes)
    if not options.analyze:
        if verdict.modifies_data or verdict.side_effects:
            notes.insert(0, "without ANALYZE nothing in the statement runs: PostgreSQL only plans it")
        return Permit(verdict, read_only=True, notes=tuple(notes))
    writes = verdict.modifies_data or verdict.row_locks
    if writes and not options.allow_writes:
        why = [r for r in verdict.reason.split("; ") if "changes data" in r or "row locks" in r]
        raise ExplainRefused(NEEDS_WRITES, why or [verdict.reason], verdict)
    effects = confirmations(verdict)
    if pooler and any("advisory" in e.function.lower() and "xact" not in e.function.lower()
                      for e in verdict.side_effects):
        raise ExplainRefused(REFUSED, [
            "behind a transaction pooler a session-level advisory lock would stay with a server "
            "connection other clients get next: run it with ANALYZE off, or on a direct connection"], verdict)
    if effects and not options.confirmed:
        raise ExplainRefused(NEEDS_CONFIRMATION, effects, verdict)
    return Permit(verdict, read_only=not writes, notes=tuple(notes))


def _check_values(verdict: SafetyVerdict, options: ExplainOptions, params: tuple | None) -> None:
    wanted = max(verdict.placeholders, default=0)
    given = len(params or ())
    if options.generic_plan:
        if given:
            raise ExplainRefused(BAD_OPTIONS, ["a generic plan takes no parameter values: remove them, "
                                               "or turn GENERIC_PLAN off"], verdict)
        return
    if given != wanted:
        if not wanted:
            raise ExplainRefused(BAD_OPTIONS, [f"the statement has no $n placeholders but {given} value(s) "
                                               "were given"], verdict)
        names = ", ".join(f"${n}" for n in range(1, wanted + 1))
        raise ExplainRefused(NEEDS_VALUES, [
            f"the statement has placeholders ({names}): give {wanted} value(s), "
            "or use GENERIC_PLAN (PostgreSQL 16+, without ANALYZE)"], verdict)
