"""Why an EXPLAIN did not run: refused before anything was sent, or failed on the server."""

from __future__ import annotations

from lib.core.errors import PgPulseError

# Why a statement was held back: the page and the CLI offer the matching way forward.
REFUSED = "refused"  # never runs (several statements, DDL, transaction control, COPY, DO, SET ROLE...)
NEEDS_WRITES = "needs_writes"  # changes data or locks rows: "allow data changes (rolled back)"
NEEDS_CONFIRMATION = "needs_confirmation"  # calls functions whose effects escape the rollback
NEEDS_VALUES = "needs_values"  # $n placeholders: values, or GENERIC_PLAN on PostgreSQL 16+
BAD_OPTIONS = "bad_options"  # options this server or this combination does not accept


class ExplainRefused(Exception):
    """Raised before anything is sent to the server. `reasons` are sentences to show the user."""

    def __init__(self, kind: str, reasons: list[str] | tuple[str, ...], verdict=None):
        self.kind = kind
        self.reasons = tuple(reasons)
        self.verdict = verdict
        super().__init__("; ".join(self.reasons))

    @property
    def can_be_allowed(self) -> bool:
        """The user may go ahead by ticking or confirming something (never for REFUSED)."""
        return self.kind in (NEEDS_WRITES, NEEDS_CONFIRMATION)


class ExplainFailed(PgPulseError):
    """The server refused or cancelled the statement; the transaction was rolled back."""
