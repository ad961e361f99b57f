"""Drawing pieces shared by pages (no database access here: pages pass what they collected)."""

from __future__ import annotations

import streamlit as st

from lib import stbind
from lib.core.findings import Finding, Severity
from lib.core.fmt import evidence_text
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


def finding_card(finding: Finding) -> None:
    with st.container(border=True):
        st.markdown(f"{BADGES[finding.severity]} **{finding.title}**")
        st.caption(f"`{finding.check}` on `{finding.object}`" + (f" — {evidence_text(finding.evidence)}"
                                                                 if finding.evidence else ""))
        if finding.recommendation:
            st.markdown(finding.recommendation)
        if finding.action:
            st.code(finding.action.sql, language="sql", wrap_lines=True)
            if finding.action.lock:
                st.caption(f"Lock: {finding.action.lock}")
            action_button(finding)


def action_button(finding: Finding) -> None:
    """The confirmed one-click run of a finding's action (off, with its reason, when actions are disabled)."""
    db = stbind.current_db()
    action_control.action_control(db, finding.action, finding=finding, key=action_control.finding_key(db, finding))


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
