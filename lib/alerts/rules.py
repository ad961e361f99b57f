"""What is wrong now: each enabled rule looks at the database and returns one Breach per object."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lib.alerts.config import AlertConfig, Rule
from lib.checks import run_checks
from lib.core import statement_kind
from lib.core.errors import describe
from lib.core.findings import CheckContext, Severity
from lib.core.fmt import fmt_bytes, fmt_ms, fmt_pct, plural
from lib.live.overview import plan_limit

SLOW_LIMIT = 50  # statements per evaluation: past that, the slowest are what matters
COVERED_CHECKS = {"database.size"}  # critical findings a dedicated rule already alerts on


class RuleUnavailable(Exception):
    """The rule cannot be evaluated on this database; the message says how to enable it."""


@dataclass(frozen=True)
class Breach:
    rule: str
    object: str
    severity: Severity
    message: str
    value: float | None = None
    threshold: float | None = None


@dataclass
class Evaluation:
    breaches: list[Breach] = field(default_factory=list)
    evaluated: set[str] = field(default_factory=set)  # rules that ran: only their breaches can clear
    errors: dict[str, str] = field(default_factory=dict)  # rule -> why it could not run


def database_size(db, rule: Rule) -> list[Breach]:
    found = plan_limit(db)
    if found is None:
        raise RuleUnavailable("no plan limit applies to this database (not a Supabase project): set plan_limit_mb "
                              "in its [connections.<name>] section or [pgpulse.thresholds] to alert on its size.")
    row = db.one("database_overview")
    limit = found.bytes
    ratio = row["size_bytes"] / limit
    threshold = rule.value(db.thresholds)
    if ratio <= threshold:
        return []
    return [Breach("database_size", db.capabilities.database,
                   Severity.CRITICAL if ratio >= 1 else Severity.WARNING,
                   f"Database {db.capabilities.database} uses {fmt_pct(ratio)} of its {fmt_bytes(limit)} plan "
                   f"({fmt_bytes(row['size_bytes'])}; alert above {fmt_pct(threshold)}; limit from {found.source})", round(ratio, 4), threshold)]


def slow_statements(db, rule: Rule) -> list[Breach]:
    problem = db.capabilities.pgss_problem()
    if problem:
        raise RuleUnavailable(problem)
    threshold = rule.value(db.thresholds)
    rows = db.rows("slow_statements", {"slow_ms": threshold, "limit": SLOW_LIMIT, **statement_kind.params()})
    return [Breach("slow_statements", str(r["queryid"]), Severity.WARNING,
                   f"Statement {r['queryid']} averages {fmt_ms(r['mean_exec_ms'])} over {plural(r['calls'], 'call')} "
                   f"(slow above {fmt_ms(threshold)}): {' '.join((r['query'] or '').split())[:160]}",
                   round(float(r["mean_exec_ms"]), 3), threshold) for r in rows]


def active_connections(db, rule: Rule) -> list[Breach]:
    row = db.one("alert_connections")
    threshold = rule.value(db.thresholds)
    if row["active"] <= threshold:
        return []
    return [Breach("active_connections", "server", Severity.WARNING,
                   f"{row['active']} active connections on the server (alert above {threshold:g}; "
                   f"{row['total']} client connections in all, {row['idle']} idle)", float(row["active"]), threshold)]


def critical_findings(db, rule: Rule) -> list[Breach]:
    result = run_checks(CheckContext(db, db.thresholds))
    return [Breach("critical_findings", f"{f.check} {f.object}", Severity.CRITICAL, f.title)
            for f in result.findings if f.severity == Severity.CRITICAL and f.check not in COVERED_CHECKS]


EVALUATORS: dict[str, Callable[[object, Rule], list[Breach]]] = {
    "database_size": database_size,
    "slow_statements": slow_statements,
    "active_connections": active_connections,
    "critical_findings": critical_findings,
}


def evaluate(db, config: AlertConfig) -> Evaluation:
    """Run every enabled rule; one failing rule is reported and never stops the others."""
    out = Evaluation()
    for name, rule in config.rules.items():
        if not rule.enabled:
            continue
        try:
            out.breaches.extend(EVALUATORS[name](db, rule))
            out.evaluated.add(name)
        except Exception as exc:  # noqa: BLE001 - a rule's failure is reported, not raised
            out.errors[name] = str(exc) if isinstance(exc, RuleUnavailable) else \
                describe(exc, db.config.display).line()
    return out
