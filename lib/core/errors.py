"""Turn what went wrong into a sentence: what happened and what to do. Never a traceback."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import errors as pgerrors
from psycopg_pool import PoolTimeout


@dataclass(frozen=True)
class Problem:
    title: str
    detail: str
    hint: str

    def line(self) -> str:
        return f"{self.title}: {self.detail} {self.hint}".strip()


class PgPulseError(Exception):
    """An error that already carries its sentence."""

    def __init__(self, problem: Problem):
        super().__init__(problem.line())
        self.problem = problem


class DatabaseUnavailable(PgPulseError):
    pass


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    # libpq's connection errors put the useful part after the last "failed:".
    for line in text.splitlines():
        if "FATAL:" in line or "failed:" in line:
            return line.split("FATAL:")[-1].split("failed:")[-1].strip()
    return text.splitlines()[0] if text else type(exc).__name__


def describe(exc: BaseException, where: str = "") -> Problem:
    """A Problem for any exception met while talking to a monitored database."""
    if isinstance(exc, PgPulseError):
        return exc.problem
    target = f" {where}" if where else ""
    message = str(exc)
    low = message.lower()
    if isinstance(exc, PoolTimeout):
        return Problem("Database unreachable", f"no connection to{target} could be made in time.",
                       "Check that the server is running and reachable, then reload the page.")
    # lock and statement timeouts are OperationalErrors too, but about an object, not the connection
    if isinstance(exc, psycopg.OperationalError) and not isinstance(exc, (pgerrors.QueryCanceled,
                                                                          pgerrors.LockNotAvailable)):
        if "password authentication failed" in low or "no password supplied" in low:
            return Problem("Wrong password", f"the server{target} refused the password ({first_line(exc)}).",
                           "Fix the password in .streamlit/secrets.toml, DATABASE_URL or ~/.pgpass.")
        if "does not exist" in low and "database" in low:
            return Problem("Unknown database", first_line(exc) + ".",
                           "Check the database name in the connection settings.")
        if "does not exist" in low and "role" in low:
            return Problem("Unknown role", first_line(exc) + ".", "Check the user name in the connection settings.")
        if "could not translate host name" in low or "name or service not known" in low:
            return Problem("Unknown host", first_line(exc) + ".", "Check the host name in the connection settings.")
        if "timeout expired" in low:
            return Problem("Database unreachable", f"connecting to{target} timed out.",
                           "Check the host, port and firewall, then reload the page.")
        if "refused" in low or "no such file" in low or "server closed" in low or "terminat" in low \
                or "consuming input failed" in low or "connection is lost" in low or "connection is closed" in low:
            return Problem("Database unreachable", f"the server{target} is not accepting connections "
                           f"({first_line(exc)}).", "Start the server or check host and port; pgpulse "
                           "reconnects by itself when it is back.")
        return Problem("Connection failed", first_line(exc) + ".", "Check the connection settings.")
    if isinstance(exc, pgerrors.InsufficientPrivilege):
        return Problem("Missing privilege", first_line(exc) + ".",
                       "Grant the monitoring role pg_monitor (GRANT pg_monitor TO <role>) or use a role that may do this.")
    if isinstance(exc, pgerrors.LockNotAvailable):
        return Problem("Object is locked", "another session holds a lock on it, so pgpulse did not wait.",
                       "Look at the Activity page for the blocking session, or try again later.")
    if isinstance(exc, pgerrors.QueryCanceled):
        return Problem("Query took too long", "it was cancelled by the statement timeout.",
                       "Try again, or raise statement_timeout_ms in [pgpulse.thresholds].")
    if isinstance(exc, pgerrors.ReadOnlySqlTransaction):
        return Problem("Server is read-only", first_line(exc) + ".",
                       "This is a replica or a read-only transaction: run the action on the primary.")
    if isinstance(exc, psycopg.Error):
        return Problem("Database error", first_line(exc) + ".", "")
    return Problem("Unexpected error", f"{type(exc).__name__}: {first_line(exc)}", "")
