"""Advisors: Supabase's database linter on this database, as Supabase Studio's Advisors show it."""

import streamlit as st

from lib import stbind
from lib.core.findings import LIVE_TTL_S
from lib.core.fmt import fmt_evidence
from lib.supabase import advisors, api
from lib.supabase.lints import PERFORMANCE, SECURITY
from pages.widgets import cached_checks
from pages.widgets.cards import action_button, metric

LEVEL_BADGES = {"ERROR": ":red-badge[:material/error: Error]", "WARN": ":orange-badge[:material/warning: Warning]",
                "INFO": ":blue-badge[:material/info: Info]"}
LEVEL_ICONS = {"ERROR": ":material/error:", "WARN": ":material/warning:", "INFO": ":material/info:"}

db = stbind.require_db()


@stbind.cached(ttl=LIVE_TTL_S)  # one cheap query: it follows a changed pgrst.db_schemas soon
def supabase_context(db):
    return api.read(db)


st.title("Advisors")
st.caption("Supabase's database linter, run by pgpulse on this database: security holes the API could open, "
           "and performance problems. Each lint links to Supabase's documentation.")
run = stbind.guarded(lambda: cached_checks.all_findings(db), db.config.display)
context = stbind.guarded(lambda: supabase_context(db), db.config.display)
if run is None or context is None:
    st.stop()
cached_checks.freshness(db, run)
st.caption(advisors.exposure_line(context))

groups = advisors.groups(run.findings, context, run.errors)
counted = advisors.issue_counts(groups)
for column, level in zip(st.columns(3), advisors.LEVELS, strict=True):
    metric(column, f"{advisors.LEVEL_WORDS[level]}s" if level != "INFO" else "Info", f"{counted[level]:,}",
           "objects reported at this level")
levels = st.pills("Levels", advisors.LEVELS, selection_mode="multi", default=list(advisors.LEVELS),
                  format_func=advisors.LEVEL_WORDS.get, key="advisors_levels")


def objects(group: advisors.LintGroup) -> None:
    for finding in group.findings:
        with st.container(border=True):
            st.markdown(f"**`{finding.object}`** — {finding.title}")
            figures = advisors.details(finding)
            if figures:
                st.caption(" · ".join(f"{k.replace('_', ' ')}: {fmt_evidence(k, v)}" for k, v in figures.items()))
            if finding.evidence.get("fix_sql"):
                st.code(finding.evidence["fix_sql"], language="sql")
            if finding.action:
                st.code(finding.action.sql, language="sql")
                action_button(finding)


def lint_block(group: advisors.LintGroup) -> None:
    lint = group.lint
    label = f"{lint.title} ({group.count:,})"
    with st.expander(label, expanded=True, icon=LEVEL_ICONS[lint.level]):
        st.markdown(f"{LEVEL_BADGES[lint.level]} `{lint.name}` · [Supabase docs]({lint.docs_url})")
        st.markdown(lint.meaning)
        st.markdown(f"**Fix:** {lint.remediation}")
        objects(group)


def tab(category: str) -> None:
    mine = advisors.of_category(groups, category, levels or ())
    issues = [g for g in mine if g.status == "issues"]
    if not levels:
        st.info("Pick at least one level above to see its lints.", icon=":material/filter_alt:")
        return
    if not issues:
        st.success(f"No {category.lower()} issue at the chosen levels: every lint that applies here passed.",
                   icon=":material/check_circle:")
    for group in issues:
        lint_block(group)
    failed = [g for g in mine if g.status == "error"]
    for group in failed:
        st.warning(f"**{group.lint.title}** could not be checked: {group.error}", icon=":material/error:")
    skipped = [g for g in mine if g.status == "not_applicable"]
    if skipped:
        st.subheader("Not applicable here", divider="gray")
        for group in skipped:
            st.markdown(f"- **{group.lint.title}** (`{group.lint.name}`): {group.not_applicable}")
    passed = [g for g in mine if g.status == "clear"]
    if passed:
        st.caption("Passed: " + ", ".join(f"[{g.lint.title}]({g.lint.docs_url})" for g in passed) + ".")


counts = {c: sum(g.count for g in advisors.of_category(groups, c, levels or ())) for c in (SECURITY, PERFORMANCE)}
security, performance = st.tabs([f"Security ({counts[SECURITY]:,})", f"Performance ({counts[PERFORMANCE]:,})"])
with security:
    tab(SECURITY)
with performance:
    tab(PERFORMANCE)
