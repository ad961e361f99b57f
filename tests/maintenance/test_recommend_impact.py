"""The Maintenance page's recommended actions by impact (lib.checks.impact, as the Overview), on the demo's
real findings: the missing index on the big table before the ANALYZE of a tiny one."""

from __future__ import annotations

import psycopg

from lib.checks import impact, run_checks
from lib.core.findings import CheckContext, Severity
from lib.maintenance import recommend
from tests.conftest import make_db

TINY = "tiny_never_analyzed"


def test_recommended_actions_rank_by_impact(demo_url):
    with psycopg.connect(demo_url, autocommit=True) as conn:  # an 8 kB table with no statistics yet
        conn.execute(f"CREATE TABLE {TINY} (id int PRIMARY KEY) WITH (autovacuum_enabled = false)")
        conn.execute(f"INSERT INTO {TINY} VALUES (1)")
    db = make_db(demo_url)
    try:
        run = run_checks(CheckContext(db, db.thresholds))
        invalid = db.rows("maint_invalid_indexes", {"oid": 0})
    finally:
        db.close()
        with psycopg.connect(demo_url, autocommit=True) as conn:
            conn.execute(f"DROP TABLE {TINY}")
    recs = recommend.recommended(run.findings, invalid)
    kinds = [r.action.kind for r in recs]
    assert "create_index" in kinds and "analyze" in kinds, kinds
    points = [r.points for r in recs]
    assert points == sorted(points, reverse=True)
    big_index = next(r for r in recs if r.check == "indexes.fk_missing" and "leads" in r.title)
    tiny_analyze = next(r for r in recs if r.check == "tables.never_analyzed" and TINY in r.object)
    assert tiny_analyze.finding.evidence["table_bytes"] < 100_000
    assert recs.index(big_index) < recs.index(tiny_analyze)
    assert "table" in big_index.why and "MB" in big_index.why
    # the same measure as the Overview's
    scale = impact.Scale.of(run.findings)
    assert big_index.points == impact.points(big_index.finding, scale)
    assert all(r.severity > Severity.OK for r in recs)
