"""The Advisors page's model: every Supabase lint with the findings that answer it (whatever check made
them), or why it does not apply to this database, or why it could not be checked; grouped as Supabase
Studio's Advisors group them (Security, Performance) and ordered by level."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lib.core.findings import Finding
from lib.supabase.api import SupabaseContext
from lib.supabase.lints import ERROR, INFO, LINTS, WARN, Lint

LEVELS = (ERROR, WARN, INFO)
LEVEL_WORDS = {ERROR: "Error", WARN: "Warning", INFO: "Info"}
HIDDEN_EVIDENCE = ("docs", "fix_sql", "supabase_level")  # shown apart on the page


@dataclass(frozen=True)
class LintGroup:
    lint: Lint
    findings: tuple[Finding, ...] = ()
    not_applicable: str | None = None  # why the lint does not apply here
    error: str | None = None  # why its check could not run

    @property
    def count(self) -> int:
        """Objects reported, the ones a capped list left out included."""
        return sum(int(f.evidence.get("more", 0)) or 1 for f in self.findings)

    @property
    def status(self) -> str:
        if self.findings:
            return "issues"
        if self.error:
            return "error"
        return "not_applicable" if self.not_applicable else "clear"


def check_of(lint: Lint) -> str:
    return lint.answered_by or f"supabase.{lint.name}"


def groups(findings: Iterable[Finding], context: SupabaseContext, errors: dict[str, str] | None = None
           ) -> list[LintGroup]:
    """One group per lint Supabase's linter has, most severe level first, then Supabase's order."""
    errors = errors or {}
    found: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.supabase_lint:
            found.setdefault(finding.supabase_lint, []).append(finding)
    result = []
    for lint in sorted(LINTS.values(), key=lambda x: (LEVELS.index(x.level), x.number)):
        mine = tuple(found.get(lint.name, ()))
        result.append(LintGroup(lint, mine, None if mine else context.missing(lint.needs),
                                errors.get(check_of(lint))))
    return result


def of_category(all_groups: list[LintGroup], category: str, levels: Iterable[str] = LEVELS) -> list[LintGroup]:
    wanted = set(levels)
    return [g for g in all_groups if g.lint.category == category and g.lint.level in wanted]


def issue_counts(all_groups: list[LintGroup]) -> dict[str, int]:
    """Objects reported per level."""
    return {level: sum(g.count for g in all_groups if g.lint.level == level) for level in LEVELS}


def details(finding: Finding) -> dict:
    """The evidence the page shows as figures (the docs link and the fix are shown apart); lists as words."""
    return {k: ", ".join(map(str, v)) or "nobody" if isinstance(v, list | tuple) else v
            for k, v in finding.evidence.items() if k not in HIDDEN_EVIDENCE}


def exposure_line(context: SupabaseContext) -> str:
    if context.exposed:
        return f"The API serves {', '.join(context.exposed)} (read from {context.source})."
    return ("Nothing says which schemas an API serves here (no pgrst.db_schemas for the authenticator role "
            "or the database): the lints about what the API exposes do not apply.")
