"""Run one maintenance action safely: refused unless enabled and allowed, one per object, never hanging.

The order is the safety model:
1. actions disabled for the database (or a transaction pooler): refused before any connection;
2. the SQL is parsed and must act on exactly the action's target; the target must exist and the role
   must be allowed to act on it (precheck): refused with a sentence otherwise;
3. on a dedicated autocommit session (CONCURRENTLY cannot run in a transaction block), with
   lock_timeout = action_lock_timeout_ms and statement_timeout = action_statement_timeout_ms, the
   per-object advisory lock is tried (lock.py): if another session holds it, refused with who/what;
4. figures before; the audit row is written ("running"); the statement runs; figures after; an index
   left INVALID by a failed CONCURRENTLY build is reported with its cleanup action; the row is completed.

Behind a transaction pooler each transaction may get another server connection, and a session-level
setting or lock would stay on it for the next client: every action is refused there, except a cancel
or terminate, which is one function call and runs in ONE transaction on a pooled connection (limits by
SET LOCAL, pgpulse's lock by pg_try_advisory_xact_lock, the target checked again, the signal), with the
same checks, audit row and figures.

`execute` runs in the caller's thread; `start` runs it in a background thread and returns the
ActionRun at once (the page reads its progress and may `cancel` it).
"""

from __future__ import annotations

import getpass
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import errors as pgerrors

from lib.actions import builders
from lib.core.errors import Problem, describe
from lib.core.findings import Action
from lib.core.fmt import fmt_ms
from lib.core.store import Store
from lib.maintenance import audit, figures, lock, precheck
from lib.maintenance.hooks import snapshot_before_reset
from lib.maintenance.precheck import INDEX_KINDS, Refused, Resolved, resolve
from lib.maintenance.reader import Reader
from lib.maintenance.target import BACKEND_FUNCTIONS, KIND_WORDS, TYPED_KINDS, parse

FINAL = ("done", "failed", "refused", "cancelled")
APP_NAME_BYTES = 63  # PostgreSQL truncates application_name there
POOLER_SAFE = frozenset(BACKEND_FUNCTIONS)  # one function call in one transaction: fine behind a pooler


@dataclass(frozen=True)
class Actor:
    """Who acts: the app's login when one is configured, the OS user always, and from where."""

    app_user: str | None = None
    os_user: str = field(default_factory=lambda: os_user())
    client: str = "app"  # app or cli

    @property
    def label(self) -> str:
        return self.app_user or self.os_user


@dataclass
class ActionRun:
    """One run of an action; its fields change while it runs (read by the page and the CLI)."""

    action: Action
    database: str
    actor: Actor
    server: str = ""
    db_role: str | None = None
    state: str = "pending"  # pending, running, then done, failed, refused or cancelled
    message: str = ""  # the result, or why not, in words
    problem: Problem | None = None
    pid: int | None = None  # the action's backend while it runs
    started: float | None = None
    finished: float | None = None
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    cleanup: list[Action] = field(default_factory=list)  # for an index left INVALID
    notes: list[str] = field(default_factory=list)
    audit_id: int | None = None
    target_oid: int | None = None
    object_display: str = ""
    cancel_requested: bool = False
    thread: threading.Thread | None = field(default=None, repr=False)

    def __post_init__(self):
        if not self.object_display:
            a = self.action
            self.object_display = f"{a.target_schema}.{a.target_name}" if a.target_schema else a.target_name

    @property
    def is_final(self) -> bool:
        return self.state in FINAL

    @property
    def duration_ms(self) -> float | None:
        if self.started is None:
            return None
        return ((self.finished or time.time()) - self.started) * 1000


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no USER variable and no passwd entry (some containers)
        return f"uid {os.getuid()}"


def execute(db, action: Action, store: Store, actor: Actor, *, typed_name: str | None = None,
            run: ActionRun | None = None) -> ActionRun:
    """Run `action` on `db` under the safety rules, audited in `store`; returns the finished ActionRun."""
    run = run or ActionRun(action, db.config.name, actor, server=db.config.display)
    run.started = time.time()
    run.state = "running"
    try:
        _refuse_early(db, action, typed_name)
        (_run_in_transaction if db.config.pooler else _run_on_session)(db, run, store)
    except Refused as exc:
        _finish(run, "refused", str(exc))
        _record(store, run)
    except Exception as exc:  # noqa: BLE001 - anything unforeseen is recorded, never raised into a page
        _finish(run, "failed", "", describe(exc, db.config.display))
        _record(store, run)
    return run


def start(db, action: Action, store: Store, actor: Actor, *, typed_name: str | None = None) -> ActionRun:
    """`execute` in a background thread; the returned run fills in as it goes."""
    run = ActionRun(action, db.config.name, actor, server=db.config.display)
    run.thread = threading.Thread(target=execute, args=(db, action, store, actor),
                                  kwargs={"typed_name": typed_name, "run": run}, daemon=True,
                                  name=f"pgpulse-action-{action.kind}")
    run.thread.start()
    return run


def cancel(db, run: ActionRun) -> bool:
    """Ask the server to cancel the run's statement (pg_cancel_backend of its own backend only)."""
    run.cancel_requested = True
    if run.pid is None or run.is_final:
        return False
    row = db.one("maint_cancel", {"pid": run.pid, "query": run.action.sql})
    return bool(row and row["cancelled"])


def disabled_reason(db, kind: str | None = None) -> str | None:
    """Why no action (of this kind, when given) may run on this database, or None. Needs no server.
    Behind a transaction pooler only a cancel or terminate may run (see the module's note)."""
    if not db.config.actions_enabled:
        return (f"Actions are off for {db.config.title}: enable them with `actions = true` in its "
                "[connections.<name>] section (PGPULSE_ACTIONS=1 for DATABASE_URL). The SQL can be copied "
                "and run by hand.")
    if db.config.pooler and kind not in POOLER_SAFE:
        return ("This connection goes through a transaction pooler, which cannot keep an action's "
                "lock_timeout or its per-object lock: configure a direct connection (port 5432) with "
                "actions = true for maintenance.")
    return None


def _refuse_early(db, action: Action, typed_name: str | None) -> None:
    """Refusals that need no server: nothing at all reaches the database for these."""
    reason = disabled_reason(db, action.kind)
    if reason:
        raise Refused(reason)
    if action.kind == "drop_index" and typed_name != action.target_name:
        raise Refused(f"DROP INDEX needs the index name typed to confirm: {action.target_name}.")
    if action.kind == "enable_rls" and typed_name != action.target_name:
        raise Refused(f"Enabling row-level security needs the table name typed to confirm: {action.target_name}.")
    if action.kind in TYPED_KINDS and typed_name != action.target_name:
        raise Refused(f"{KIND_WORDS[action.kind]} needs the {TYPED_KINDS[action.kind]} name typed to confirm: "
                      f"{action.target_name}.")


def _run_on_session(db, run: ActionRun, store: Store) -> None:
    action = run.action
    with db.dedicated_connection(application_name=_app_name(run.actor)) as conn:
        notices: list[psycopg.errors.Diagnostic] = []
        conn.add_notice_handler(notices.append)
        reader = Reader(db, conn)
        # The action's limits hold from the start: reading sizes takes a share lock on the table too.
        session = reader.one("maint_session", _limits(db.thresholds))
        run.db_role = db.capabilities.role
        resolved = None
        try:
            resolved = _resolve(reader, run, db)
            scope = _claim(reader, resolved, lock.try_lock)
            try:
                resolved = resolve(reader, action, db.capabilities)  # again, now that no pgpulse peer acts
                precheck.conflicts(resolved)
                invalid_before = {r["oid"] for r in _invalid_indexes(reader, resolved)}
                outcome, message, problem = _act(db, reader, run, resolved, store, notices, session["pid"])
                _settle(reader, run, resolved, outcome)
                if outcome != "done":
                    message = message or (problem.line() if problem else "")
                    run.cleanup = [builders.drop_index(r["schema"], r["name"])
                                   for r in _invalid_indexes(reader, resolved) if r["oid"] not in invalid_before]
                    if run.cleanup:
                        names = ", ".join(c.target_name for c in run.cleanup)
                        message += f" It left the INVALID index {names}: drop it with the cleanup action."
                elif action.kind in INDEX_KINDS and run.after.get("exists") and not run.after.get("valid"):
                    outcome, message = "failed", figures.summary(action.kind, run.before, run.after)
                    run.cleanup = [builders.drop_index(action.target_schema, action.target_name)]
                _finish(run, outcome, message, problem)
            finally:
                if not conn.broken:
                    lock.unlock(reader, scope)
        except pgerrors.LockNotAvailable:
            # Reading the figures waited for a lock someone holds: the action would have too.
            text = _locked_text(reader, resolved, db.thresholds.action_lock_timeout_ms, action)
            _finish(run, "failed", text, Problem("Object is locked", text, ""))
        _record(store, run)


def _run_in_transaction(db, run: ActionRun, store: Store) -> None:
    """A cancel or terminate behind a transaction pooler: limits, lock, the target's last check and the
    signal in one transaction on a pooled connection, so nothing stays on the server connection. The
    figures after are read once it has committed: pg_stat_activity is one snapshot per transaction."""
    with db.connection(own_transaction=True) as conn:
        notices: list[psycopg.errors.Diagnostic] = []
        handler = notices.append
        conn.add_notice_handler(handler)
        try:
            reader = Reader(db, conn)
            run.db_role = db.capabilities.role
            resolved = _resolve(reader, run, db)
            with conn.transaction():  # a refusal rolls back; a failed call ends in COMMIT = ROLLBACK
                session = reader.one("maint_xact_session",
                                     _limits(db.thresholds) | {"application_name": _app_name(run.actor)})
                _claim(reader, resolved, lock.try_xact_lock)
                # Again, in this transaction's snapshot taken under the lock: the same pid AND backend_start.
                resolved = resolve(reader, run.action, db.capabilities)
                outcome, message, problem = _act(db, reader, run, resolved, store, notices, session["pid"])
            _settle(reader, run, resolved, outcome)
            _finish(run, outcome, message, problem)
        finally:
            conn.remove_notice_handler(handler)
    _record(store, run)


def _app_name(actor: Actor) -> str:
    return f"pgpulse: {actor.label} via {actor.client}".encode()[:APP_NAME_BYTES].decode(errors="ignore")


def _limits(limits) -> dict[str, str]:
    return {"lock_timeout": f"{limits.action_lock_timeout_ms}ms",
            "statement_timeout": f"{limits.action_statement_timeout_ms}ms"}


def _resolve(reader: Reader, run: ActionRun, db) -> Resolved:
    resolved = resolve(reader, run.action, db.capabilities)
    run.target_oid = resolved.oid
    run.object_display = resolved.target.display
    return resolved


def _claim(reader: Reader, resolved: Resolved, take) -> str:
    """pgpulse's per-object lock (`take`: session or transaction lock), or Refused saying who holds it."""
    scope = resolved.lock_scope
    if not take(reader, scope):
        raise Refused("Not run: " + lock.holder(reader, scope))
    return scope


def _act(db, reader: Reader, run: ActionRun, resolved: Resolved, store: Store, notices, pid: int
         ) -> tuple[str, str, Problem | None]:
    """Figures before, the audit row ("running"), then the statement itself."""
    run.before = figures.capture(reader, resolved)
    if run.action.kind == "reset_statements":
        run.notes.extend(filter(None, [snapshot_before_reset(db, store)]))
    run.audit_id = audit.record_start(store, run)
    if run.cancel_requested:
        raise Refused("Cancelled before it started.")
    run.pid = pid
    try:
        return _statement(reader, run, resolved, notices, db.thresholds.action_lock_timeout_ms)
    finally:
        run.pid = None


def _settle(reader: Reader, run: ActionRun, resolved: Resolved, outcome: str) -> None:
    if run.action.kind in BACKEND_FUNCTIONS and outcome == "done":
        _await_signal(reader, run.action.kind, resolved.target.pid, run.before.get("query_start"))
    run.after = figures.capture(reader, resolved)


def _statement(reader: Reader, run: ActionRun, resolved: Resolved, notices, lock_timeout_ms: int
               ) -> tuple[str, str, Problem | None]:
    action = run.action
    try:
        cursor = reader.conn.execute(action.sql)
        signalled = cursor.fetchone()[0] if action.kind in BACKEND_FUNCTIONS else True
    except pgerrors.LockNotAvailable:
        text = _locked_text(reader, resolved, lock_timeout_ms, action)
        return "failed", text, Problem("Object is locked", text, "")
    except pgerrors.QueryCanceled as exc:
        if run.cancel_requested:
            return "cancelled", f"Cancelled on request: PostgreSQL stopped {KIND_WORDS[action.kind]}.", None
        return "failed", "", describe(exc)
    except psycopg.Error as exc:
        return "failed", "", _with_detail(describe(exc), exc)
    warnings = [n.message_primary for n in notices if n.severity_nonlocalized == "WARNING"]
    skipped = [w for w in warnings if w.startswith("skipping")]  # VACUUM/ANALYZE without the right
    if skipped:
        return "failed", f"PostgreSQL skipped it: {'; '.join(skipped)}.", None
    run.notes.extend(warnings)
    if not signalled:
        return "failed", f"PostgreSQL did not signal pid {resolved.target.pid}: the session has ended.", None
    return "done", "", None


def _with_detail(problem: Problem, exc: psycopg.Error) -> Problem:
    """PostgreSQL's DETAIL says which key was duplicated, which object depends on the index...: keep it."""
    detail = exc.diag.message_detail
    return Problem(problem.title, f"{problem.detail} {detail}", problem.hint) if detail else problem


def _locked_text(reader: Reader, resolved: Resolved | None, lock_timeout_ms: int, action: Action) -> str:
    target = parse(action)  # parsed fine already: the lock was met after that
    schema, name = target.schema, target.table_name or target.name
    if resolved is not None and resolved.table is not None:
        schema, name = resolved.table["schema"], resolved.table["name"]
    return (f"{schema}.{name} is locked by another session{_lockers(reader, schema, name)}: pgpulse waited "
            f"{fmt_ms(lock_timeout_ms)} (action_lock_timeout_ms) and gave up, so nothing queues behind that "
            "lock. Try again once that session has finished.")


def _lockers(reader: Reader, schema: str, name: str) -> str:
    """ (pid 123, role app, idle in transaction: `LOCK ...`): who holds a lock on the table now."""
    try:
        rows = reader.rows("maint_relation_lockers", {"schema": schema, "name": name})
    except psycopg.Error:
        return ""
    parts = [f"pid {r['pid']}, role {r['usename']}, {r['mode']}, {r['state'] or 'state hidden'}"
             + (f": `{' '.join(r['query'].split())[:120]}`" if r["query"] and not r["query"].startswith("<") else "")
             for r in rows[:3]]
    return f" ({'; '.join(parts)})" if parts else ""


def _await_signal(reader: Reader, kind: str, pid: int, query_start: str | None, seconds: float = 3.0) -> None:
    """pg_terminate_backend and pg_cancel_backend return once the signal is sent: give the session a
    moment to end, or to leave the cancelled statement, so the figures after show what happened."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = reader.one("maint_backend", {"pid": pid})
        if row is None or (kind == "cancel_backend" and (
                row["state"] != "active" or figures.plain(row)["query_start"] != query_start)):
            return
        time.sleep(0.05)


def _invalid_indexes(reader: Reader, resolved: Resolved) -> list[dict[str, Any]]:
    if resolved.target.kind not in ("create_index", "reindex"):
        return []
    return reader.rows("maint_invalid_indexes", {"oid": resolved.table["oid"]})


def _finish(run: ActionRun, state: str, message: str, problem: Problem | None = None) -> None:
    if state == "done":
        message = message or figures.summary(run.action.kind, run.before, run.after)
    elif not message and problem is not None:
        message = problem.line()
    run.state, run.message, run.problem = state, message, problem
    run.finished = time.time()
    run.pid = None


def _record(store: Store, run: ActionRun) -> None:
    """Write the run's final state: complete its row, or insert one when it ended before starting."""
    try:
        if run.audit_id is None:
            run.audit_id = audit.record_start(store, run)
        else:
            audit.record_end(store, run)
    except Exception as exc:  # noqa: BLE001 - a broken store must not hide the outcome itself
        run.notes.append(f"The audit log could not be written: {describe(exc).line()}")
