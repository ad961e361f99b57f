"""EXPLAIN a user's statement on a monitored database, under the rules of lib.explain.gate.

    result = run_explain(db, text, ExplainOptions(analyze=True), params=("42",))
    result.plan, result.diagnostics       # lib.plan's model and findings
    result.document                       # the plan as PostgreSQL returned it (FORMAT JSON)

Everything the gate refuses is refused before a connection is even opened. Parameter values
are text handed to PostgreSQL as real parameters of unknown type, so the server converts them
with the types it infers (as `parameter_types` shows them): they are never put into the SQL.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import psycopg

from lib.core.db import Database
from lib.core.errors import Problem, describe
from lib.explain import gate
from lib.explain.errors import ExplainFailed
from lib.explain.options import ExplainOptions, effective, explain_statement
from lib.explain.session import rolled_back
from lib.plan import Diagnostic, Plan, build_plan, diagnose
from lib.plan.parse import normalize_json
from lib.sqltext.safety import SafetyVerdict


@dataclass
class ExplainRun:
    statement: str  # what ran after EXPLAIN (...), exactly
    explain_sql: str  # the whole text sent
    options: ExplainOptions  # as used on this server
    params: tuple[str | None, ...]
    document: list[dict]  # FORMAT JSON, as returned
    plan: Plan
    diagnostics: list[Diagnostic]
    verdict: SafetyVerdict
    read_only: bool
    server_version: int
    wall_ms: float
    notes: list[str] = field(default_factory=list)  # options left out, what the verdict noted
    session_changes: list[str] = field(default_factory=list)  # what the statement left (connection closed)


def run_explain(db: Database, sql_text: str, options: ExplainOptions | None = None,
                params: tuple[str | None, ...] | list | None = None) -> ExplainRun:
    options = options or ExplainOptions()
    params = tuple(params or ())
    permit = gate.check(sql_text, options, params, pooler=db.config.pooler)
    statement = permit.verdict.statement
    started = time.perf_counter()
    try:
        with db.dedicated_connection() as conn:
            used, notes = effective(options, conn.info.server_version)  # may refuse: nothing sent yet
            explain_sql = explain_statement(used, statement).as_string(conn)
            with rolled_back(conn, permit.read_only, options.timeout_ms, options.lock_timeout_ms) as session:
                document = session.fetch_json(explain_sql, params or None)
    except psycopg.Error as exc:
        raise ExplainFailed(_problem(exc, options, db)) from None
    wall_ms = 1000 * (time.perf_counter() - started)
    doc = normalize_json(document)
    plan = build_plan(doc[0])
    return ExplainRun(statement, explain_sql, used, params, doc, plan, diagnose(plan), permit.verdict,
                      permit.read_only, session.version_num, wall_ms, [*notes, *permit.notes],
                      session.changes)


def parameter_types(db: Database, sql_text: str) -> list[str]:
    """The type PostgreSQL infers for each `$n` (index 0 is $1), without running the statement."""
    permit = gate.check(sql_text, ExplainOptions(generic_plan=True))
    if not permit.verdict.placeholders:
        return []
    try:
        with db.dedicated_connection() as conn, rolled_back(conn, True, 10_000, 2_000) as session:
            return session.type_names(session.parameter_oids(permit.verdict.statement))
    except psycopg.Error as exc:
        raise ExplainFailed(_problem(exc, None, db)) from None


def _problem(exc: psycopg.Error, options: ExplainOptions | None, db: Database) -> Problem:
    rolled = "The transaction was rolled back: nothing was changed."
    if isinstance(exc, psycopg.errors.QueryCanceled) and options is not None:
        seconds = options.timeout_ms / 1000
        return Problem("Statement timeout", f"the statement ran longer than {seconds:g} s and was cancelled.",
                       f"{rolled} Raise the timeout, or EXPLAIN without ANALYZE to see the plan only.")
    if isinstance(exc, psycopg.errors.LockNotAvailable):
        return Problem("Lock wait", "the statement waited for a lock longer than the lock timeout.",
                       f"{rolled} Another session holds a lock it needs: try again later.")
    if isinstance(exc, psycopg.errors.ReadOnlySqlTransaction):
        return Problem("Read-only transaction", f"{str(exc).strip().splitlines()[0]}.",
                       f"{rolled} To run a statement that writes, allow data changes (still rolled back).")
    if isinstance(exc, psycopg.OperationalError):
        return describe(exc, db.config.display)
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return Problem("PostgreSQL refused the statement", f"{detail}.", rolled)
