"""The Maintenance page's list: every Finding that carries an action, plus INVALID indexes to clean up,
one entry per distinct SQL, by impact (lib.checks.impact, the Overview's measure: risk, share of query
time, bytes at stake); at equal impact the safest, cheapest kinds first and destructive ones last."""

from __future__ import annotations

from dataclasses import dataclass, replace

from lib.actions import builders
from lib.checks import impact
from lib.core.findings import Action, Finding, Severity

# Within one severity: cleanup and routine work first, index drops (destructive) last.
KIND_ORDER = ("vacuum_analyze", "vacuum", "analyze", "reset_autovacuum", "create_index", "reindex", "refresh_matview",
              "vacuum_full", "drop_index", "drop_replication_slot", "cancel_backend", "terminate_backend", "reset_statements",
              "disable_autovacuum")
INVALID_CHECK = "maintenance.invalid_index"


@dataclass(frozen=True)
class Recommendation:
    action: Action
    severity: Severity
    title: str
    object: str
    recommendation: str = ""
    check: str = ""
    finding: Finding | None = None
    points: float = 0.0  # impact (lib.checks.impact)
    why: str = ""  # the impact in words

    @property
    def sort_key(self) -> tuple:
        rank = KIND_ORDER.index(self.action.kind) if self.action.kind in KIND_ORDER else len(KIND_ORDER)
        return (-round(self.points, 6), -self.severity, rank, self.object)


def invalid_index_recommendations(rows: list[dict], scale: impact.Scale | None = None) -> list[Recommendation]:
    """rows of queries/maint_invalid_indexes.sql (oid 0: every table)."""
    scale = scale or impact.Scale()
    return [_with_impact(Recommendation(
        builders.drop_index(r["schema"], r["name"]), Severity.WARNING,
        f"INVALID index {r['name']} on {r['table_schema']}.{r['table_name']}", f"{r['schema']}.{r['name']}",
        "Left by a failed CREATE INDEX or REINDEX CONCURRENTLY: queries never use it, writes may still "
        f"maintain it. Drop it, then build it again if it is wanted. Its definition: {r['index_definition']}",
        INVALID_CHECK), impact.Impact(Severity.WARNING, 0.0, int(r.get("relation_bytes") or 0), "index"), scale)
        for r in rows]


def _with_impact(rec: Recommendation, measured: impact.Impact, scale: impact.Scale) -> Recommendation:
    return replace(rec, points=measured.points(scale), why=measured.why)


def recommended(findings: list[Finding], invalid_rows: list[dict] | None = None) -> list[Recommendation]:
    scale = impact.Scale.of(findings)
    found = [_with_impact(Recommendation(f.action, f.severity, f.title, f.object, f.recommendation, f.check, f),
                          impact.impact(f, scale), scale)
             for f in findings if f.action is not None and f.severity > Severity.OK]
    found += invalid_index_recommendations(invalid_rows or [], scale)
    best: dict[str, Recommendation] = {}
    for rec in sorted(found, key=lambda r: r.sort_key):
        best.setdefault(rec.action.sql, rec)
    return list(best.values())
