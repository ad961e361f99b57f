"""Drawing pieces shared by pages (no database access here: pages pass what they collected)."""

from __future__ import annotations

import streamlit as st

from lib.findings import Finding, Severity
from lib.fmt import fmt_evidence

BADGES = {Severity.CRITICAL: "🔴 Critical", Severity.WARNING: "🟠 Warning", Severity.INFO: "🔵 Info",
          Severity.OK: "🟢 OK"}
COLORS = {Severity.CRITICAL: "#d62728", Severity.WARNING: "#ff7f0e", Severity.INFO: "#1f77b4",
          Severity.OK: "#2ca02c"}


def evidence_line(finding: Finding) -> str:
    return " · ".join(f"{key.replace('_', ' ')}: {fmt_evidence(key, value)}"
                      for key, value in finding.evidence.items())


def finding_card(finding: Finding) -> None:
    with st.container(border=True):
        st.markdown(f"**{BADGES[finding.severity]} · {finding.title}**")
        st.caption(f"`{finding.check}` on `{finding.object}`" + (f" — {evidence_line(finding)}"
                                                                 if finding.evidence else ""))
        if finding.recommendation:
            st.markdown(finding.recommendation)
        if finding.action:
            st.code(finding.action.sql, language="sql")
            if finding.action.lock:
                st.caption(f"Lock: {finding.action.lock}")


def findings_by_severity(findings: list[Finding], show_ok: bool = False) -> None:
    if not findings:
        st.info("No findings: every check passed.")
        return
    for severity in sorted(Severity, reverse=True):
        group = [f for f in findings if f.severity == severity]
        if not group or (severity == Severity.OK and not show_ok):
            continue
        label = f"{BADGES[severity]} ({len(group)})"
        with st.expander(label, expanded=severity >= Severity.WARNING):
            for finding in group:
                finding_card(finding)
