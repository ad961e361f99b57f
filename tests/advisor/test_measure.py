"""A recommended index created through the maintenance runner, measured for real: EXPLAIN ANALYZE of its
statement before and after (lib.plan's comparison), the creation in the audit log, and the weekly
review listing it; on 15 and 18."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest

from lib.advisor.advise import advise
from lib.advisor.measure import create_and_measure
from lib.core.store import Store
from lib.explain import keep
from lib.history.periods import week_of
from lib.history.weekly import build_review
from lib.maintenance import audit, runner
from tests.conftest import make_db

LOOKUP = "SELECT id, name FROM people WHERE lower(email) = lower($1)"


@pytest.fixture()
def people_url(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE people (id int PRIMARY KEY, email text NOT NULL, name text)")
        conn.execute("INSERT INTO people SELECT g, 'Person' || g || '@Example.org', 'n' || g "
                     "FROM generate_series(1, 200000) g")
        conn.execute("VACUUM ANALYZE people")
    return fresh_url


@pytest.fixture()
def store(tmp_path):
    s = Store(tmp_path / "audit.db")
    yield s
    s.close()


def test_created_index_is_measured_before_and_after(people_url, store):
    db = make_db(people_url, actions_enabled=True)
    try:
        advice = advise(db, [LOOKUP])
        assert [r.candidate.columns for r in advice.recommendations] == [["lower(email)"]]
        rec = advice.recommendations[0]
        run, results = create_and_measure(db, advice, rec, store, runner.Actor(client="cli"))
    finally:
        db.close()
    assert run.state == "done", run.message
    with psycopg.connect(people_url) as conn:
        defs = [r[0] for r in conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'people'")]
    assert any("lower(email)" in d for d in defs), defs
    [result] = results
    assert result.problem is None
    before, after = result.before.run.plan, result.after.run.plan
    assert before.execution_ms is not None and after.execution_ms is not None
    assert "Seq Scan" in {n.node_type for n in before.nodes}
    assert "Seq Scan" not in {n.node_type for n in after.nodes}
    assert result.speedup > 2
    assert any(c.kind == "scan-changed" for c in result.comparison.changes)
    # both plans kept for the Plans page; the creation audited, and in the weekly review's actions
    labels = [k.label for k in keep.kept(store)]
    assert any(label.startswith("before ") for label in labels) and any(label.startswith("after ") for label in labels)
    [entry] = [e for e in audit.entries(store) if e["action"] == "create_index"]
    assert entry["outcome"] == "done" and entry["sql"] == rec.sql
    review = build_review(store, "test", week_of(datetime.now(UTC)), db.thresholds)
    assert any(a["action"] == "create_index" and a["sql"] == rec.sql for a in review.actions)


def test_statements_that_write_are_not_run(people_url, store):
    db = make_db(people_url, actions_enabled=True)
    try:
        advice = advise(db, ["UPDATE people SET name = 'x' WHERE lower(email) = lower($1)"])
        rec = advice.recommendations[0]
        run, results = create_and_measure(db, advice, rec, store, runner.Actor(client="cli"))
    finally:
        db.close()
    assert run.state == "done"
    assert results[0].comparison is None and "changes data" in results[0].problem
    with psycopg.connect(people_url) as conn:  # nothing was updated
        assert conn.execute("SELECT count(*) FROM people WHERE name = 'x'").fetchone()[0] == 0
