"""The lint rules as checks: one check `lint.<rule>` per rule, one finding per statement (object = queryid).

Only the busiest statements are read (lib.statements.explorer.BUSIEST_LIMIT), and each rule reports at most
MAX_PER_RULE of them, busiest first. A finding is a warning when the rule says so and the statement
is slow (mean above `slow_query_ms`); on a fast statement it stays information.
"""

from __future__ import annotations

from functools import lru_cache

from lib.checks.queries import busy
from lib.core.findings import STATEMENT_KEY, CheckContext, Finding, Severity, check
from lib.sqltext.lint import LintReport, lint
from lib.sqltext.rules import RULES

MAX_PER_RULE = 20


@lru_cache(maxsize=4096)
def lint_text(text: str) -> LintReport:
    return lint(text)


def reports(ctx: CheckContext) -> list:
    return ctx.memo("lint.reports", lambda: [(s, lint_text(s.query)) for s in busy(ctx) if s.query])


def recommendation(hits) -> str:
    rule = RULES[hits[0].rule]
    text = "; ".join(dict.fromkeys(h.message for h in hits))
    text = f"{text[:1].upper()}{text[1:]}. {rule.advice}"
    suggestion = next((h.suggestion for h in hits if h.suggestion), None)
    if suggestion:
        text += f"\n\n```sql\n{suggestion}\n```"
    return text


def rule_check(rule_id: str):
    def run(ctx: CheckContext) -> list[Finding]:
        if not ctx.caps.has_pgss:
            return []
        out = []
        for stmt, report in reports(ctx):
            hits = [f for f in report if f.rule == rule_id]
            if not hits:
                continue
            slow = stmt.mean_exec_ms > ctx.thresholds.slow_query_ms
            warn = slow and any(h.severity == "warning" for h in hits)
            out.append(Finding(
                f"lint.{rule_id}", Severity.WARNING if warn else Severity.INFO, str(stmt.queryid),
                f"{RULES[rule_id].title}: {stmt.short}",
                {"mean_exec_ms": round(stmt.mean_exec_ms, 3), "calls": stmt.calls,
                 "load_share": round(stmt.load_share, 4), STATEMENT_KEY: stmt.query},
                recommendation(hits),
            ))
            if len(out) >= MAX_PER_RULE:
                break
        return out

    return run


for _rule in RULES.values():
    check(f"lint.{_rule.id}", f"Lint: {_rule.title}", "queries")(rule_check(_rule.id))
