"""`lint(sql)`: the guide's query rules applied to SQL text, one finding per problem seen.

Text that does not parse (a typo, or a pg_stat_statements text cut short) is not an error
here: that statement simply yields no findings and a note saying why.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from lib.sqltext.detectors import DETECTORS
from lib.sqltext.parse import ParseFailure, parse
from lib.sqltext.rules import RULES, Example
from lib.sqltext.walk import walk

SEVERITY_ORDER = {"info": 0, "warning": 1, "critical": 2}


@dataclass(frozen=True)
class LintFinding:
    rule: str
    severity: str
    title: str
    message: str  # about this statement: names its columns and tables
    advice: str
    example: Example  # the rule's generic before/after
    statement_index: int = 0
    position: int | None = None  # 0-based offset in the linted text (statement start if unknown)
    suggestion: str | None = None  # a fix written for this statement, when one can be built

    def to_dict(self) -> dict:
        return asdict(self)


class LintReport(list):
    """The findings (it is a list of LintFinding) plus notes about what could not be linted."""

    def __init__(self, findings=(), notes=()):
        super().__init__(findings)
        self.notes: list[str] = list(notes)


def _location(node) -> int | None:
    """The node's offset in its statement, or its first descendant's (SortBy has none)."""
    if node is None:
        return None
    for visit in walk(node):
        loc = getattr(visit.node, "location", None)
        if isinstance(loc, int) and loc >= 0:
            return loc
    return None


def _lint_statement(stmt) -> list[LintFinding]:
    seen: set[tuple[str, str]] = set()
    out: list[LintFinding] = []
    for visit in walk(stmt.node):
        for rule_id, detect in DETECTORS.items():
            for hit in detect(visit):
                if (rule_id, hit.message) in seen:
                    continue
                seen.add((rule_id, hit.message))
                rule = RULES[rule_id]
                loc = _location(hit.node)
                out.append(
                    LintFinding(
                        rule=rule_id,
                        severity=hit.severity or rule.severity,
                        title=rule.title,
                        message=hit.message,
                        advice=rule.advice,
                        example=rule.example,
                        statement_index=stmt.index,
                        position=stmt.start + (loc or 0),
                        suggestion=hit.suggestion,
                    )
                )
    return out


def lint(sql: str) -> LintReport:
    """Findings for every statement in `sql`, in text order."""
    report = LintReport()
    for stmt in parse(sql):
        if isinstance(stmt, ParseFailure):
            report.notes.append(f"statement {stmt.index + 1}: {stmt.describe()}; not linted")
            continue
        report.extend(_lint_statement(stmt))
    return report
