"""Drawing pieces shared by pages (no database access here: pages pass what they collected)."""

from __future__ import annotations

import streamlit as st

from lib import stbind
from lib.checks import impact
from lib.core.findings import STATEMENT_KEY, Finding, Severity
from lib.core.fmt import evidence_text, one_line
from pages.widgets import action_control

# Streamlit markdown badges with its bundled Material icons (no emoji font needed on the viewer's side).
BADGES = {Severity.CRITICAL: ":red-badge[:material/error: Critical]",
          Severity.WARNING: ":orange-badge[:material/warning: Warning]",
          Severity.INFO: ":blue-badge[:material/info: Info]",
          Severity.OK: ":green-badge[:material/check_circle: OK]"}
COLORS = {Severity.CRITICAL: "#d62728", Severity.WARNING: "#ff7f0e", Severity.INFO: "#1f77b4",
          Severity.OK: "#2ca02c"}


ICONS = {Severity.CRITICAL: ":material/error:", Severity.WARNING: ":material/warning:",
         Severity.INFO: ":material/info:", Severity.OK: ":material/check_circle:"}


def metric(column, label: str, value: str, note: str = "", help: str | None = None) -> None:
    """A key number with a neutral note under it (no arrow: the note is context, not a change)."""
    column.metric(label, value, note or None, delta_color="off", delta_arrow="off", border=True, help=help)


def evidence_line(finding: Finding) -> str:
    return evidence_text({key: value for key, value in finding.evidence.items() if key != STATEMENT_KEY})


def statement_text(text: str | None) -> None:
    """A statement's whole text behind a click (its shortened label is already on screen)."""
    if text:
        with st.popover("Full SQL", icon=":material/code:"):
            st.code(text, language="sql", wrap_lines=True)


def finding_card(finding: Finding) -> None:
    with st.container(border=True):
        st.markdown(f"{BADGES[finding.severity]} **{finding.title}**", help=finding.statement)
        st.caption(f"`{finding.check}` on `{finding.label}`" + (f" — {evidence_line(finding)}"
                                                                if evidence_line(finding) else ""))
        statement_text(finding.statement)
        details(finding)


def details(finding: Finding, with_action: bool = True) -> None:
    if finding.recommendation:
        st.markdown(finding.recommendation)
    if finding.action and with_action:
        st.code(finding.action.sql, language="sql", wrap_lines=True)
        if finding.action.lock:
            st.caption(f"Lock: {finding.action.lock}")
        action_button(finding)


def topic_card(topic: impact.Topic) -> None:
    """One object with everything found about it: each finding's headline, evidence and advice; its fix once."""
    with st.container(border=True):
        st.markdown(f"{BADGES[topic.severity]} **{topic.label}**" + (f" · {topic.impact.why}" if topic.impact.why
                                                                     else ""), help=topic.statement)
        statement_text(topic.statement)
        acting = topic.action_finding
        for finding in topic.findings:
            st.markdown(f"{ICONS[finding.severity]} {impact.headline(finding)}")
            line = evidence_line(finding)
            st.caption(f"`{finding.check}`" + (f" — {line}" if line else ""))
            details(finding, with_action=finding is acting)


DO_FIRST_WIDTH = 56  # characters of a label in the "Do first" list: one line with its badge and impact


def do_first_line(topic: impact.Topic, rank: int) -> None:
    """One line of the "Do first" list: what, why it comes first, and its fix when it has one."""
    with st.container(gap="small"):
        text, button = st.columns([5, 1], vertical_alignment="center")
        why = f" — {topic.impact.why}" if topic.impact.why else ""
        text.markdown(f"**{rank}.** {BADGES[topic.severity]} **{one_line(topic.label, DO_FIRST_WIDTH)}**{why}",
                      help=topic.statement)
        heads = "; ".join(dict.fromkeys(impact.headline(f) for f in topic.findings))
        text.caption(one_line(heads, 220))
        acting = topic.action_finding
        if acting is not None:
            with button:
                action_button(acting, ":first")


def findings_by_area(areas: list[impact.Area]) -> None:
    """One collapsed line per area with its count and worst severity; its topics open on demand."""
    if not areas:
        st.info("No findings: every check passed.")
        return
    for area in areas:
        word = "topic" if area.count == 1 else "topics"
        with st.expander(f"**{area.name}** · {area.count} {word} · worst: {area.worst.label}",
                         icon=ICONS[area.worst]):
            for topic in area.topics:
                topic_card(topic)


def action_button(finding: Finding, where: str = "") -> None:
    """The confirmed one-click run of a finding's action (off, with its reason, when actions are disabled);
    `where` tells apart two buttons for one finding on a page (the "Do first" list and its area)."""
    db = stbind.current_db()
    action_control.action_control(db, finding.action, finding=finding,
                                  key=action_control.finding_key(db, finding) + where)


def findings_by_severity(findings: list[Finding], show_ok: bool = False) -> None:
    if not findings:
        st.info("No findings: every check passed.")
        return
    for severity in sorted(Severity, reverse=True):
        group = [f for f in findings if f.severity == severity]
        if not group or (severity == Severity.OK and not show_ok):
            continue
        label = f"{severity.label.capitalize()} ({len(group)})"
        with st.expander(label, expanded=severity >= Severity.WARNING, icon=ICONS[severity]):
            for finding in group:
                finding_card(finding)
