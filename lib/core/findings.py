"""The Finding model and the registry of checks.

A check is a function `(ctx: CheckContext) -> list[Finding]` registered with `@check(...)` in a module
of lib/checks/. The Overview, the CLI, alerts and the weekly report all read the same Findings.

Each check declares how long its findings may be reused (`ttl`, seconds): LIVE_TTL_S by default, for
what moves by the second (sessions, statements, settings); CATALOG_TTL_S for checks whose cost grows
with the number of tables, indexes or columns (at 10,000 tables they take seconds) and whose answer
changes over hours. Pages cache each TTL's checks apart and say how old the findings are.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from enum import IntEnum
from typing import Any

from lib.core import fmt

LIVE_TTL_S = 30
# evidence key holding the SQL text of the statement a finding is about (its object being the queryid)
STATEMENT_KEY = "statement"
CATALOG_TTL_S = 300


class Severity(IntEnum):
    OK = 0
    INFO = 1
    WARNING = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}: use ok, info, warning or critical") from None


@dataclass(frozen=True)
class Action:
    """A maintenance action that fixes a finding: the exact SQL it would run, already quoted."""

    kind: str  # vacuum, vacuum_analyze, analyze, reindex, drop_index, create_index, refresh_matview, ...
    sql: str  # rendered with psycopg.sql (lib.core.sqlcompose.render): names quoted exactly
    lock: str = ""  # the lock it takes and what that blocks, in words
    concurrently: bool = False  # must run outside a transaction block
    target_kind: str = ""  # table, index, materialized_view, backend, database
    target_schema: str = ""  # the object acted on, unquoted, for locking, verifying and auditing
    target_name: str = ""
    backend_start: str = ""  # cancel/terminate: when the session seen started (ISO); a reused pid is refused
    target_detail: str = ""  # alter_policy: the policy's name; function_search_path: the argument types


@dataclass(frozen=True)
class Finding:
    check: str
    severity: Severity
    object: str
    title: str
    evidence: dict[str, Any] = field(default_factory=dict)
    recommendation: str = ""
    action: Action | None = None
    supabase_lint: str | None = None  # the Supabase database linter's lint this answers (lib/supabase/lints.py)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.label
        return data

    @property
    def statement(self) -> str | None:
        """The SQL text of the statement a finding is about (its object is then the queryid), if any."""
        text = self.evidence.get(STATEMENT_KEY)
        return text if isinstance(text, str) and text else None

    @property
    def label(self) -> str:
        """The object as people read it: a statement by its shortened text, anything else by its name."""
        return fmt.statement_label(self.statement, self.object) if self.statement else self.object


@dataclass(frozen=True)
class CheckSpec:
    id: str
    title: str
    category: str
    func: Callable[[CheckContext], list[Finding]]
    ttl: int = LIVE_TTL_S  # seconds its findings may be reused (see the module's docstring)


@dataclass
class CheckContext:
    db: Any  # lib.core.db.Database
    thresholds: Any  # lib.core.config.Thresholds
    _memo: dict = field(default_factory=dict, repr=False)

    @property
    def caps(self):
        return self.db.capabilities

    def has(self, key: str) -> bool:
        """Whether this run already collected `key` (a check may then read it instead of a narrower query)."""
        return key in self._memo

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """Collect once per run what several checks read (one query, many checks)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


@dataclass
class CheckRun:
    findings: list[Finding]
    errors: dict[str, str]  # check id -> sentence, for checks that could not run
    checked_at: float = field(default_factory=time.time)  # when the checks began (the oldest, once merged)

    @classmethod
    def merge(cls, runs: Iterable[CheckRun]) -> CheckRun:
        """One run from runs of disjoint checks (each TTL's, cached apart), ordered as run_checks orders."""
        runs = list(runs)
        findings = sorted((f for r in runs for f in r.findings), key=finding_order)
        errors = {k: v for r in runs for k, v in r.errors.items()}
        return cls(findings, errors, min((r.checked_at for r in runs), default=time.time()))

    def worst(self) -> Severity:
        return max((f.severity for f in self.findings), default=Severity.OK)

    def by_severity(self) -> dict[Severity, list[Finding]]:
        grouped: dict[Severity, list[Finding]] = {s: [] for s in sorted(Severity, reverse=True)}
        for finding in self.findings:
            grouped[finding.severity].append(finding)
        return grouped


REGISTRY: dict[str, CheckSpec] = {}


def check(check_id: str, title: str, category: str = "general", ttl: int = LIVE_TTL_S):
    def register(func: Callable[[CheckContext], list[Finding]]):
        if check_id in REGISTRY:
            raise ValueError(f"check {check_id} registered twice")
        REGISTRY[check_id] = CheckSpec(check_id, title, category, func, ttl)
        return func

    return register


def finding_order(finding: Finding) -> tuple:
    return -finding.severity, finding.check, finding.object
