"""Impact ranking and triage (lib/checks/impact.py) on the demo's real findings, and on findings whose
impact is worked out by hand."""

from __future__ import annotations

import pytest

from lib.checks import impact, run_checks
from lib.core.findings import STATEMENT_KEY, CheckContext, Finding, Severity
from lib.core.fmt import one_line
from tests.conftest import make_db

CORRELATED = "SELECT c.id, c.name, (SELECT count(*) FROM leads"  # the demo's planted correlated subquery


def flat(text: str | None) -> str:
    return one_line(text, 10_000)


@pytest.fixture()
def demo_run(demo_url):
    db = make_db(demo_url)
    try:
        run = run_checks(CheckContext(db, db.thresholds))
        yield run, db.capabilities.database
    finally:
        db.close()


def test_one_statement_is_one_topic_named_by_its_text(demo_run):
    run, database = demo_run
    about = [f for f in run.findings if flat(f.statement).startswith(CORRELATED)]
    assert {f.check for f in about} >= {"queries.slow", "lint.correlated_subquery"}, [f.check for f in about]
    found = impact.topics(run.findings, database)
    mine = [t for t in found if flat(t.statement).startswith(CORRELATED)]
    assert len(mine) == 1, [t.label for t in mine]
    topic = mine[0]
    assert len(topic.findings) == len(about) >= 2
    assert topic.label.startswith("SELECT c.id, c.name") and not topic.label.lstrip("-").isdigit()
    assert topic.area == "Queries"
    # no object appears in two topics
    keys = [t.key for t in found]
    assert len(keys) == len(set(keys))


def test_the_statement_behind_most_time_comes_before_small_chores(demo_run):
    run, database = demo_run
    found = impact.topics(run.findings, database)
    first = impact.do_first(found)
    assert 1 <= len(first) <= impact.DO_FIRST
    assert all(t.severity >= Severity.WARNING for t in first)
    heavy = next(t for t in found if flat(t.statement).startswith(CORRELATED))
    assert heavy in first
    assert heavy.impact.time_share > 0.1  # the workload spends much of its time there
    # tables that only need an ANALYZE, or a tiny index, rank after it
    chores = [t for t in found if t.lead.check in ("tables.never_analyzed", "indexes.unused")]
    assert chores, "the demo plants a never-analyzed table and unused indexes"
    assert all(found.index(heavy) < found.index(c) for c in chores)
    points = [t.points for t in found]
    assert points == sorted(points, reverse=True)


def test_areas_one_line_each_with_count_and_worst(demo_run):
    run, database = demo_run
    found = impact.topics(run.findings, database)
    areas = impact.areas(found)
    names = [a.name for a in areas]
    assert len(names) == len(set(names))
    assert {"Queries", "Indexes", "Schema"} <= set(names)
    assert sum(a.count for a in areas) == len(found)
    for area in areas:
        assert area.worst == max(t.severity for t in area.topics)
    worst = [a.worst for a in areas]
    assert worst == sorted(worst, reverse=True)


def finding(check: str, severity: Severity, obj: str, **evidence) -> Finding:
    return Finding(check, severity, obj, f"{check} on {obj}", evidence)


def test_points_by_hand():
    size = finding("database.size", Severity.OK, "db", size_bytes=100 * 1024 ** 2, limit_bytes=400 * 1024 ** 2)
    slow = finding("queries.slow", Severity.WARNING, "42", load_share=0.5, total_exec_ms=5000.0,
                   **{STATEMENT_KEY: "SELECT 1"})
    nplus = finding("queries.n_plus_one", Severity.INFO, "43", total_exec_ms=1000.0)  # no share: 1000 of 10000 ms
    analyze = finding("tables.never_analyzed", Severity.WARNING, "public.t", table_bytes=8192)
    bloat = finding("tables.bloat", Severity.WARNING, "public.big", table_bytes=80 * 1024 ** 2,
                    bloat_bytes=25 * 1024 ** 2)
    xid = finding("tables.xid_age", Severity.CRITICAL, "public.old")
    scale = impact.Scale.of([size, slow, nplus, analyze, bloat, xid])
    assert scale.total_exec_ms == 10_000 and scale.database_bytes == 100 * 1024 ** 2
    assert impact.points(slow, scale) == pytest.approx(10 + 50)
    assert impact.points(nplus, scale) == pytest.approx(1 + 10)
    assert impact.points(analyze, scale) == pytest.approx(10 + 100 * 8192 / (100 * 1024 ** 2))
    assert impact.points(bloat, scale) == pytest.approx(10 + 25)  # the bloat, not the whole table
    assert impact.points(xid, scale) == pytest.approx(200)
    order = [t.key for t in impact.topics([size, slow, nplus, analyze, bloat, xid], "db")]
    assert order == ["public.old", "42", "public.big", "43", "public.t"]  # the OK size finding is no topic
    assert impact.impact(bloat, scale).why == "25.0 MB bloat"


def test_database_wide_findings_stay_apart_and_new_categories_get_their_own_area():
    a = finding("cache.hit_ratio", Severity.WARNING, "db", ratio=0.9)
    b = finding("connections.count", Severity.WARNING, "db", ratio=0.9)
    lint = Finding("supabase.not_a_lint_yet", Severity.WARNING, "public.t", "RLS is off")
    tagged = Finding("indexes.unused", Severity.INFO, "public.i", "unused", {"index_bytes": 8192},
                     supabase_lint="unused_index")
    unknown = finding("replication.slot_inactive", Severity.CRITICAL, "slot_a", retained_bytes=10)
    found = impact.topics([a, b, lint, unknown, tagged], "db")
    assert len(found) == 5
    areas = {t.key: t.area for t in found}
    assert areas["cache.hit_ratio|db"] == "Settings and monitoring"
    assert areas["connections.count|db"] == "Activity and connections"
    assert areas["public.t"] == "Supabase advisors"  # no registered check: its id's first part, supabase
    assert areas["public.i"] == "Indexes"  # pgpulse's own check answering a Supabase lint stays in its area
    from lib.checks import load_checks

    lints = [s for s in load_checks().values() if s.id.startswith("supabase.") and s.category != "supabase"]
    if lints:  # the Supabase linter's checks, by their category
        spec = lints[0]
        assert impact.area_of(Finding(spec.id, Severity.WARNING, "x", "t")) == f"Supabase advisors: {spec.category}"
    assert areas["slot_a"] == "Replication"
    assert [a.name for a in impact.areas(found)][0] == "Replication"  # the critical area first


def test_statement_label_is_its_text_or_says_it_is_hidden():
    from lib.core.fmt import statement_label

    text = "SELECT id,\n       name\n  FROM clients WHERE lower(email) = lower($1) AND status = ANY($2) ORDER BY id"
    assert statement_label(text, 123, width=30) == "SELECT id, name FROM clients …"
    assert statement_label("", 1234567890123456789) == "statement 1234567890123456789 (text not visible)"
    f = Finding("queries.slow", Severity.WARNING, "1234567890123456789", "t", {STATEMENT_KEY: text})
    assert f.label.startswith("SELECT id, name FROM clients WHERE") and f.statement == text
    assert Finding("x.y", Severity.INFO, "public.t", "t").label == "public.t"
