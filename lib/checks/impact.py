"""How much a finding matters, and the triage built on it: findings about one object merged into one
topic, topics grouped by area, and the few that matter most first.

Impact is counted in points, comparable across checks, from the finding's own evidence:
- time: 100 × the share of all statement time its statement takes (`load_share`, or `total_exec_ms` over
  the total the run's other statement findings imply);
- space: 100 × the bytes at stake (bloat, an index to drop, WAL a slot retains, a table every unindexed
  lookup reads...) over the database's size (`database.size`'s evidence; 1 GB when unknown);
- risk: by severity, what an outage would cost (wraparound, exhausted connections, a full disk are
  critical and come before anything else).
The Overview's "Do first" list and the Maintenance page's recommended actions both sort by it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lib.core.findings import REGISTRY, Finding, Severity
from lib.core.fmt import fmt_bytes, fmt_pct, one_line

RISK_POINTS = {Severity.CRITICAL: 200.0, Severity.WARNING: 10.0, Severity.INFO: 1.0, Severity.OK: 0.0}
# Evidence keys holding the bytes a finding puts at stake, most specific first (not the database's own size).
SPACE_KEYS = {"bloat_bytes": "bloat", "retained_bytes": "of WAL retained", "dead_bytes": "dead",
              "index_bytes": "index", "table_bytes": "table", "total_bytes": "table"}
UNKNOWN_DATABASE_BYTES = 1024 ** 3
DO_FIRST = 5  # topics in the Overview's "Do first" list

# The Overview's areas, by check category; a category not listed here is an area of its own (by its name).
AREAS = {"queries": "Queries", "indexing": "Indexes", "maintenance": "Tables and vacuum", "schema": "Schema",
         "settings": "Settings and monitoring", "caching": "Settings and monitoring",
         "monitoring": "Settings and monitoring", "activity": "Activity and connections",
         "connections": "Activity and connections", "replication": "Replication"}
AREA_ORDER = tuple(dict.fromkeys(AREAS.values()))
SUPABASE_PREFIX = "Supabase advisors"


@dataclass(frozen=True)
class Scale:
    """What shares are taken of: all statement time (ms) and the database's size (bytes)."""

    total_exec_ms: float | None = None
    database_bytes: int = UNKNOWN_DATABASE_BYTES

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Scale:
        totals, size = [], None
        for f in findings:
            share, total = f.evidence.get("load_share"), f.evidence.get("total_exec_ms")
            if _number(share) and _number(total) and share > 0:
                totals.append(total / share)
            if f.check == "database.size" and _number(f.evidence.get("size_bytes")):
                size = int(f.evidence["size_bytes"])
        return cls(max(totals) if totals else None, size or UNKNOWN_DATABASE_BYTES)


@dataclass(frozen=True)
class Impact:
    severity: Severity
    time_share: float = 0.0  # of all statement time
    bytes: int = 0  # at stake
    what: str = ""  # what the bytes are (SPACE_KEYS' words)

    def points(self, scale: Scale) -> float:
        return (RISK_POINTS[self.severity] + 100 * self.time_share
                + 100 * self.bytes / max(scale.database_bytes, 1))

    @property
    def why(self) -> str:
        """The impact in words: what makes it matter."""
        parts = []
        if self.severity == Severity.CRITICAL:
            parts.append("critical risk")
        if self.time_share >= 0.001:
            parts.append(f"{fmt_pct(self.time_share, 1 if self.time_share < 0.1 else 0)} of query time")
        if self.bytes:
            parts.append(f"{fmt_bytes(self.bytes)} {self.what}".strip())
        return " · ".join(parts)

    def __or__(self, other: Impact) -> Impact:
        """Two findings about one object: the worst of each measure (the same time is not counted twice)."""
        space = max(self, other, key=lambda i: i.bytes)
        return Impact(max(self.severity, other.severity), max(self.time_share, other.time_share), space.bytes,
                      space.what)


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def impact(finding: Finding, scale: Scale) -> Impact:
    ev = finding.evidence
    share = ev.get("load_share")
    if not _number(share) and _number(ev.get("total_exec_ms")) and scale.total_exec_ms:
        share = ev["total_exec_ms"] / scale.total_exec_ms
    key = next((k for k in SPACE_KEYS if _number(ev.get(k))), None)
    space = max(int(ev[key]), 0) if key else 0
    return Impact(finding.severity, min(max(float(share or 0), 0.0), 1.0), space, SPACE_KEYS[key] if key else "")


def points(finding: Finding, scale: Scale) -> float:
    return impact(finding, scale).points(scale)


def area_of(finding: Finding) -> str:
    """The area of a finding, by its check's category: a finding of pgpulse's own checks that also answers a
    Supabase lint (`supabase_lint`) stays in its area; the Supabase advisors' own checks (category
    `supabase`, or ids `supabase.*`) are one area per category, so a new category just appears."""
    spec = REGISTRY.get(finding.check)
    category = spec.category if spec else finding.check.split(".")[0]
    if category == "supabase":
        return SUPABASE_PREFIX
    if finding.check.startswith("supabase."):
        return f"{SUPABASE_PREFIX}: {category.replace('_', ' ')}"
    return AREAS.get(category, category.replace("_", " ").capitalize())


def headline(finding: Finding) -> str:
    """The title without the statement's text when the topic already names the statement."""
    if finding.statement and ": " in finding.title:
        head, tail = finding.title.rsplit(": ", 1)
        if one_line(finding.statement, 1000).startswith(tail.rstrip("…")):
            return head
    return finding.title


@dataclass(frozen=True)
class Topic:
    """One object and everything found about it (a statement slow, over its target and linted: one topic)."""

    key: str
    area: str
    label: str
    statement: str | None
    findings: tuple[Finding, ...]  # most impactful first
    impact: Impact
    points: float

    @property
    def severity(self) -> Severity:
        return self.impact.severity

    @property
    def lead(self) -> Finding:
        return self.findings[0]

    @property
    def action_finding(self) -> Finding | None:
        return next((f for f in self.findings if f.action is not None), None)


@dataclass(frozen=True)
class Area:
    name: str
    topics: tuple[Topic, ...]

    @property
    def worst(self) -> Severity:
        return max((t.severity for t in self.topics), default=Severity.OK)

    @property
    def count(self) -> int:
        return len(self.topics)


def _key(finding: Finding, database: str) -> str:
    # A finding about the whole database (cache, size, connections) is its own topic; any other object's
    # findings merge, whatever checks made them.
    return f"{finding.check}|{finding.object}" if finding.object == database else finding.object


def topics(findings: Iterable[Finding], database: str = "", scale: Scale | None = None,
           min_severity: Severity = Severity.INFO) -> list[Topic]:
    """Findings at `min_severity` or above, one topic per object, most impactful first."""
    findings = list(findings)
    scale = scale or Scale.of(findings)
    grouped: dict[str, list[Finding]] = {}
    for f in findings:
        if f.severity >= min_severity:
            grouped.setdefault(_key(f, database), []).append(f)
    out = []
    for key, group in grouped.items():
        group.sort(key=lambda f: (-points(f, scale), f.check))
        total = impact(group[0], scale)
        for f in group[1:]:
            total = total | impact(f, scale)
        statement = next((f.statement for f in group if f.statement), None)
        out.append(Topic(key, area_of(group[0]), group[0].label, statement, tuple(group), total,
                         total.points(scale)))
    out.sort(key=lambda t: (-t.points, -t.severity, t.label))
    return out


def areas(found: list[Topic]) -> list[Area]:
    """The topics by area: worst areas first, then in the usual order (new categories after)."""
    names = list(dict.fromkeys(t.area for t in found))
    order = {name: i for i, name in enumerate(AREA_ORDER)}
    names.sort(key=lambda n: (-max(t.severity for t in found if t.area == n), order.get(n, len(order)), n))
    return [Area(n, tuple(t for t in found if t.area == n)) for n in names]


def do_first(found: list[Topic], most: int = DO_FIRST) -> list[Topic]:
    """The few topics that matter most: warning or critical, by impact."""
    return [t for t in found if t.severity >= Severity.WARNING][:most]
