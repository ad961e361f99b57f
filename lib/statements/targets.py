"""The guide's performance targets: what each busy statement does, and whether its mean meets the target.

A statement's class comes from its parsed SQL (lib.sqltext.classify) with the catalog's real keys.
Two refinements the guide implies: the full-scan target is for small tables (under
`target_full_scan_max_rows` rows), and a statement that reads only materialized views is a dashboard
read (the guide caches dashboards in materialized views) measured against the dashboard target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from pglast import ast, enums

from lib.core import statement_kind
from lib.sqltext.classify import Classification, classify, tables
from lib.sqltext.parse import ParseFailure, parse_whole
from lib.statements import explorer, table_keys
from lib.statements.explorer import StatementText
from lib.statements.table_keys import Catalog

# class -> (label, threshold field in lib.core.config.Thresholds), in the guide's order
TARGETS = {
    "pk_lookup": ("Primary-key lookup", "target_pk_lookup_ms"),
    "join": ("Multi-table join", "target_join_ms"),
    "write_single": ("Single-row insert/update", "target_write_ms"),
    "batch_insert": ("Batch insert", "target_batch_insert_ms"),
    "full_scan": ("Full scan of a small table", "target_full_scan_ms"),
    "dashboard": ("Dashboard read", "target_dashboard_ms"),
}


@dataclass(frozen=True)
class Assessment:
    statement: StatementText
    kind: str  # a TARGETS key
    reason: str  # why it is in this class, in words
    target_ms: float

    @property
    def label(self) -> str:
        return TARGETS[self.kind][0]

    @property
    def passed(self) -> bool:
        return self.statement.mean_exec_ms <= self.target_ms

    @property
    def over(self) -> float:
        """Mean over target (2.0 = twice the target)."""
        return self.statement.mean_exec_ms / self.target_ms if self.target_ms else 0.0


@dataclass(frozen=True)
class KindSummary:
    kind: str
    label: str
    target_ms: float
    statements: int
    passed: int
    worst_mean_ms: float | None

    @property
    def failed(self) -> int:
        return self.statements - self.passed

    @property
    def ok(self) -> bool | None:
        """True when every statement of the class meets the target; None when the class has none."""
        return None if not self.statements else self.failed == 0


@dataclass
class Compliance:
    assessments: list[Assessment]  # statements with a target
    without_target: int  # statements the guide sets no target for (reports, utility, ...)
    not_read: int  # texts too long or not parseable
    thresholds: object = field(repr=False, default=None)

    def summary(self) -> list[KindSummary]:
        out = []
        for kind, (label, attr) in TARGETS.items():
            mine = [a for a in self.assessments if a.kind == kind]
            out.append(KindSummary(kind, label, getattr(self.thresholds, attr), len(mine),
                                   sum(a.passed for a in mine),
                                   max((a.statement.mean_exec_ms for a in mine), default=None)))
        return out

    def offenders(self) -> list[Assessment]:
        return sorted((a for a in self.assessments if not a.passed), key=lambda a: (-a.over, a.statement.queryid))

    @property
    def ratio(self) -> float | None:
        """Share of statements with a target that meet it."""
        if not self.assessments:
            return None
        return sum(a.passed for a in self.assessments) / len(self.assessments)

    def of(self, queryid: int) -> Assessment | None:
        return next((a for a in self.assessments if queryid in a.statement.queryids), None)


@lru_cache(maxsize=4096)
def _classify(text: str, keys: tuple) -> Classification:
    catalog_keys = dict(keys)
    return classify(text, keys=lambda name: catalog_keys.get(name))


@lru_cache(maxsize=4096)
def select_tree(text: str) -> ast.SelectStmt | None:
    """The parsed tree of a text that is one plain SELECT (no UNION, no INTO), else None. Shared: do not change it."""
    parsed = parse_whole(text)
    if isinstance(parsed, ParseFailure) or len(parsed) != 1:
        return None
    node = parsed[0].node
    if not isinstance(node, ast.SelectStmt) or node.intoClause is not None:
        return None
    return node if node.op == enums.SetOperation.SETOP_NONE else None


@lru_cache(maxsize=4096)
def statement_tables(text: str) -> tuple[str, ...]:
    return tuple(tables(text))


def classify_statement(text: str, catalog: Catalog) -> Classification:
    """classify() with the catalog's keys for the tables the text names (cached per text and keys)."""
    names = statement_tables(text)
    keys = tuple((name, tuple(catalog.keys(name) or ())) for name in names)
    return _classify(text, keys)


def assess_one(stmt: StatementText, catalog: Catalog, thresholds) -> tuple[str | None, str]:
    """(target class or None, reason) for one statement."""
    if stmt.query is None:
        return None, f"text of {stmt.query_bytes:,} bytes not read"
    found = classify_statement(stmt.query, catalog)
    if statement_kind.is_maintenance(stmt.query) and not found.reason.startswith("could not parse"):
        return None, "a maintenance or DDL statement, not a query: the guide sets it no target"
    relations = [catalog.find(t) for t in found.tables]
    if found.tables and all(r is not None and r.kind == "m" for r in relations) and select_tree(stmt.query):
        return "dashboard", f"reads only materialized view(s) {', '.join(found.tables)}"
    if found.kind == "full_scan":
        rows = relations[0].estimated_rows if relations and relations[0] else None
        if rows is not None and rows >= thresholds.target_full_scan_max_rows:
            return None, f"{found.reason}, a table of about {rows:,} rows (the target is for small tables)"
    if found.kind in TARGETS:
        return found.kind, found.reason
    return None, found.reason


def assess(busy: list[StatementText], catalog: Catalog, thresholds) -> Compliance:
    assessments, without, not_read = [], 0, 0
    for stmt in busy:
        kind, reason = assess_one(stmt, catalog, thresholds)
        if kind is None:
            if stmt.query is None or reason.startswith("could not parse"):
                not_read += 1
            else:
                without += 1
            continue
        assessments.append(Assessment(stmt, kind, reason, getattr(thresholds, TARGETS[kind][1])))
    return Compliance(assessments, without, not_read, thresholds)


def collect(db, busy: list[StatementText] | None = None, catalog: Catalog | None = None) -> Compliance:
    busy = explorer.busiest(db) if busy is None else busy
    catalog = table_keys.for_statements(db, busy) if catalog is None else catalog
    return assess(busy, catalog, db.thresholds)
