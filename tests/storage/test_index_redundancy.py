"""Duplicate and redundant indexes on real catalogs: which shapes count, and which index is kept."""

from __future__ import annotations

import psycopg

from lib.checks import run_checks
from lib.core.findings import CheckContext
from tests.conftest import make_db

SHAPES = """
CREATE TABLE r (a int, b int, c text, d int, e int, deleted_at timestamptz);
CREATE INDEX r_a ON r (a);                        -- leads r_a_b: redundant
CREATE INDEX r_a_b ON r (a, b);
CREATE INDEX r_a_b_twin ON r (a, b);              -- same as r_a_b, which is older: redundant
CREATE INDEX r_a_hash ON r USING hash (a);        -- another method: kept
CREATE INDEX r_b ON r (b);                        -- r_b_inc has the same key and more: redundant
CREATE INDEX r_b_inc ON r (b) INCLUDE (d);
CREATE INDEX r_b_desc ON r (b DESC);              -- another order: kept
CREATE INDEX r_c ON r (c);
CREATE INDEX r_c_pattern ON r (c text_pattern_ops);  -- another operator class: kept
CREATE INDEX r_lower_c ON r (lower(c));
CREATE INDEX r_lower_c_twin ON r (lower(c));      -- same expression: redundant
CREATE INDEX r_d ON r (d);
CREATE INDEX r_d_live ON r (d) WHERE deleted_at IS NULL;  -- another predicate: both kept
CREATE INDEX r_e ON r (e);                        -- the unique index serves it and enforces more
CREATE UNIQUE INDEX r_e_unique ON r (e);
CREATE TABLE pt (a int, k int) PARTITION BY RANGE (k);
CREATE TABLE pt1 PARTITION OF pt FOR VALUES FROM (0) TO (10);
CREATE INDEX pt_a ON pt (a);
CREATE INDEX pt_a_twin ON pt (a);                 -- partitioned: reported, but no concurrent drop exists
"""


def test_redundancy_shapes_and_the_index_to_keep(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute(SHAPES)
    db = make_db(fresh_url)
    try:
        run = run_checks(CheckContext(db, db.thresholds), ["indexes.redundant"])
    finally:
        db.close()
    assert not run.errors, run.errors
    found = {f.object: f for f in run.findings}
    assert {obj: f.evidence["keep"] for obj, f in found.items()} == {
        "public.r_a": "public.r_a_b",
        "public.r_a_b_twin": "public.r_a_b",
        "public.r_b": "public.r_b_inc",
        "public.r_lower_c_twin": "public.r_lower_c",
        "public.r_e": "public.r_e_unique",
        "public.pt_a_twin": "public.pt_a",
    }
    assert found["public.r_a"].evidence["kind"] == "prefix"
    assert found["public.r_a_b_twin"].evidence["kind"] == "duplicate"
    assert found["public.r_a"].action.sql == 'DROP INDEX CONCURRENTLY "public"."r_a"'
    assert found["public.pt_a_twin"].action is None


def test_partial_on_live_rows_reads_the_predicate_postgresql_prints():
    from lib.storage.schema_audit import partial_on_live_rows

    assert partial_on_live_rows("(deleted_at IS NULL)")
    assert partial_on_live_rows("((status = 'open'::text) AND (deleted_at IS NULL))")
    assert not partial_on_live_rows("(deleted_at IS NOT NULL)")
    assert not partial_on_live_rows("(undeleted_at IS NULL)")
    assert not partial_on_live_rows(None)
    assert not partial_on_live_rows(float("nan"))
