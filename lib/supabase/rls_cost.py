"""What a policy costs: a typical read of its table measured as the policy's role, next to the same read
without row-level security.

    m = measure(db, policy)          # RlsProblem (a sentence) when it cannot be measured
    m.with_rls.execution_ms, m.without_rls.execution_ms, m.with_rls.plan

The read is `SELECT * FROM schema.table`, what an API client reading the table without a filter sends.
Both reads run with EXPLAIN (ANALYZE, BUFFERS) in ONE transaction that is read only and always rolled back
(lib.explain.session.rolled_back, the EXPLAIN runner's): first as pgpulse's own role with row_security off
(it must bypass RLS: a superuser, BYPASSRLS, or the table's owner), then with SET LOCAL ROLE to the
policy's role and the request's JWT claims (`request.jwt.claims`, a real user id from auth.users when there
is one) set as PostgREST sets them. Nothing of it outlives the transaction, so it works behind a
transaction pooler too. Only policies for SELECT (or ALL) filter reads: the others are not measured (a
write would have to run).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from lib.core.db import run
from lib.core.errors import PgPulseError, Problem, describe
from lib.explain.options import ExplainOptions, explain_statement
from lib.explain.session import rolled_back, statement
from lib.plan import Diagnostic, Plan, build_plan, diagnose
from lib.plan.parse import normalize_json
from lib.supabase.policies import Policy

PREFERRED_ROLES = ("authenticated", "anon")  # whom a policy TO PUBLIC is measured as
PLACEHOLDER_USER = "00000000-0000-0000-0000-000000000000"
MEASURED_COMMANDS = ("SELECT", "ALL")


class RlsProblem(PgPulseError):
    """The read could not be measured; the transaction was rolled back."""


@dataclass
class Read:
    document: list[dict]
    plan: Plan
    diagnostics: list[Diagnostic]

    @property
    def execution_ms(self) -> float | None:
        return self.plan.execution_ms

    @property
    def rows(self) -> float | None:
        return self.plan.nodes[0].actual_rows if self.plan.nodes else None


@dataclass
class Measurement:
    schema: str
    table: str
    policy: str
    role: str
    claims: dict
    statement: str
    with_rls: Read
    without_rls: Read | None
    baseline_note: str | None = None  # why there is no read without RLS
    at: float = field(default_factory=time.time)
    session_changes: list[str] = field(default_factory=list)

    @property
    def slowdown(self) -> float | None:
        """How many times slower the read is with RLS (None without both timings)."""
        a = self.with_rls.execution_ms
        b = self.without_rls.execution_ms if self.without_rls else None
        return a / b if a and b else None


def measurable(policy: Policy) -> str | None:
    """Why this policy's cost is not measured, or None."""
    if policy.command not in MEASURED_COMMANDS:
        return (f"A {policy.command} policy does not filter reads; pgpulse measures reads only (a write would "
                "have to run).")
    if not policy.rls_enabled:
        return "Row-level security is off for this table: the policy does not apply to any read."
    return None


def measuring_role(policy: Policy, roles: set[str]) -> str | None:
    """The role the read runs as: the policy's (API roles first); for PUBLIC, authenticated or anon."""
    rank = {r: i for i, r in enumerate(PREFERRED_ROLES)}
    candidates = PREFERRED_ROLES if policy.to_public else sorted(policy.roles, key=lambda r: (rank.get(r, 9), r))
    return next((r for r in candidates if r in roles), None)


def typical_read(schema: str, table: str) -> sql.Composed:
    return sql.SQL("SELECT * FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))


def measure(db, policy: Policy, role: str | None = None, has_auth_users: bool = True,
            timeout_ms: int | None = None) -> Measurement:
    """Both reads (see the module's note); RlsProblem with a sentence when they cannot run."""
    why_not = measurable(policy)
    if why_not:
        raise RlsProblem(Problem("Not measured", why_not, ""))
    timeout_ms = timeout_ms or db.thresholds.explain_statement_timeout_ms
    user = None
    options = ExplainOptions(analyze=True, buffers=True, timeout_ms=timeout_ms,
                             lock_timeout_ms=db.thresholds.explain_lock_timeout_ms)
    try:
        with db.dedicated_connection() as conn:
            version = conn.info.server_version
            read_sql = typical_read(policy.schema, policy.table).as_string(conn)
            explain_sql = explain_statement(options, read_sql).as_string(conn)
            with rolled_back(conn, True, options.timeout_ms, options.lock_timeout_ms) as session:
                role = role or _role(conn, version, policy)
                rights = _one(conn, statement("rls_read_rights", version), {"oid": policy.table_oid, "as_role": role})
                _refuse(rights, role, policy)
                user = _sample_user(conn, version) if has_auth_users and rights["reads_users"] else None
                claims = {"sub": user or PLACEHOLDER_USER, "role": role, "aud": role}
                settings = {"claims": json.dumps(claims)}
                baseline, note = None, None
                if rights["bypasses_rls"]:
                    _one(conn, statement("rls_session", version), settings | {"row_security": "off", "as_role": "none"})
                    baseline = _read(session.fetch_json(explain_sql))
                else:
                    note = (f"pgpulse's role {rights['me']} does not bypass row-level security (it is not a superuser, "
                            f"has no BYPASSRLS and does not own {policy.table_display}): the read without RLS is "
                            "not measured.")
                _one(conn, statement("rls_session", version), settings | {"row_security": "on", "as_role": role})
                measured = _read(session.fetch_json(explain_sql))
    except RlsProblem:
        raise
    except psycopg.Error as exc:
        raise RlsProblem(_problem(exc, timeout_ms, db)) from None
    if user is None:
        where = "No user in auth.users" if has_auth_users and rights["reads_users"] else \
            "pgpulse cannot read auth.users"
        note = " ".join(filter(None, [note, f"{where}: the JWT's sub is a made-up id, so a policy comparing it "
                                            "with a column finds no row."]))
    return Measurement(policy.schema, policy.table, policy.name, role, claims, read_sql, measured, baseline, note,
                       session_changes=session.changes)


def _one(conn, query, params: dict) -> dict | None:
    found = run(conn, query, params)
    return found[0] if found else None


def _role(conn, version: int, policy: Policy) -> str:
    roles = {r["rolname"] for r in run(conn, statement("rls_roles", version))}
    chosen = measuring_role(policy, roles)
    if chosen is None:
        raise RlsProblem(Problem("No role to measure as", f'policy "{policy.name}" applies to {policy.role_list}, '
                                 "and none of these roles can be used for the read (for PUBLIC pgpulse reads as "
                                 "authenticated or anon).", "Create the API roles, or measure a policy TO a role."))
    return chosen


def _refuse(rights: dict | None, role: str, policy: Policy) -> None:
    if rights is None:
        raise RlsProblem(Problem("Table gone", f"{policy.table_display} does not exist (any more).", ""))
    if not rights["role_exists"]:
        raise RlsProblem(Problem("No such role", f"role {role} does not exist.", ""))
    if not rights["member"]:
        raise RlsProblem(Problem(
            "Cannot switch role", f"pgpulse's role {rights['me']} may not SET ROLE {role}, so it cannot read as the "
            "policy's clients do.", f"GRANT {role} TO {rights['me']}; (Supabase's postgres role has it.)"))
    if not rights["role_may_select"]:
        raise RlsProblem(Problem(
            "No SELECT privilege", f"role {role} may not SELECT from {policy.table_display} at all: its clients "
            "cannot read the table, whatever the policy says.", f"GRANT SELECT ON {policy.table_display} TO {role}; "
            "if they should."))


def _sample_user(conn, version: int) -> str | None:
    row = _one(conn, statement("rls_sample_user", version), {})
    return row["id"] if row else None


def _read(document) -> Read:
    doc = normalize_json(document)
    plan = build_plan(doc[0])
    return Read(doc, plan, diagnose(plan))


def _problem(exc: psycopg.Error, timeout_ms: int, db) -> Problem:
    rolled = "The transaction was rolled back: nothing was changed."
    if isinstance(exc, psycopg.errors.QueryCanceled):
        return Problem("Statement timeout", f"the read ran longer than {timeout_ms / 1000:g} s and was cancelled.",
                       rolled)
    if isinstance(exc, psycopg.errors.LockNotAvailable):
        return Problem("Lock wait", "the read waited for a lock longer than the lock timeout.", rolled)
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return Problem("Not allowed", f"{str(exc).strip().splitlines()[0]}.", rolled)
    if isinstance(exc, psycopg.OperationalError):
        return describe(exc, db.config.display)
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return Problem("PostgreSQL refused the read", f"{detail}.", rolled)
