"""Every check for a page, each TTL's checks cached apart, and a line saying how old they are.

Checks declare how long their findings may be reused (lib.core.findings: catalog-wide checks for
CATALOG_TTL_S, live ones for LIVE_TTL_S). On a page that shows them all, the live ones then run every
LIVE_TTL_S seconds while the catalog-wide ones, which cost seconds at 10,000 tables, run every
CATALOG_TTL_S. Stale findings are never silent: `freshness()` says when they were checked and offers a
refresh; an action (stbind.clear_caches) empties every cache, so the next view checks again.
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from lib import stbind
from lib.checks import check_ttls, run_checks
from lib.core.findings import CATALOG_TTL_S, LIVE_TTL_S, CheckContext, CheckRun
from lib.core.fmt import fmt_age
from lib.live import overview


@stbind.cached(ttl=LIVE_TTL_S)
def numbers(db) -> overview.OverviewNumbers:
    """The Overview's key figures, also what its checks read (one query for both)."""
    return overview.collect(db)


def _checks(db, ttl: int) -> CheckRun:
    ctx = CheckContext(db, db.thresholds)
    ctx.memo("overview", lambda: numbers(db))
    return run_checks(ctx, ttl=ttl)


def _cached(ttl: int):
    return stbind.cached(ttl=ttl)(_checks)


def all_findings(db) -> CheckRun:
    """Every check's findings; each TTL's run comes from its own cache. `checked_at` is the oldest run's."""
    return CheckRun.merge(_cached(ttl)(db, ttl) for ttl in check_ttls())


def refresh(db) -> None:
    for ttl in check_ttls():
        _cached(ttl).clear(db, ttl)
    numbers.clear(db)


def freshness(db, run: CheckRun) -> None:
    """When the findings were checked, how long they are reused, and a button to check again now."""
    line, button = st.columns([5, 1], vertical_alignment="center")
    checked = datetime.fromtimestamp(run.checked_at, UTC)
    line.caption(f"Findings checked {fmt_age(checked)} ({checked:%H:%M:%S} UTC). Checks that read the whole "
                 f"catalog (tables, indexes, schema) are reused for up to {_span(CATALOG_TTL_S)}, the live "
                 f"ones for {_span(LIVE_TTL_S)}.")
    if button.button("Check again", icon=":material/refresh:", key="checkruns_refresh",
                     help="Run every check now instead of reusing recent findings."):
        refresh(db)
        st.rerun()


def _span(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"
