"""Bloat and sizes when the catalog's page counts are stale: a table whose every row was updated with
autovacuum off and no ANALYZE since is twice the size VACUUM/ANALYZE last recorded (relpages). Sizes
shown and estimated are the files' sizes now; the findings say the statistics are stale."""

from __future__ import annotations

import dataclasses

import psycopg
import pytest

from lib.checks import run_checks
from lib.core.findings import CheckContext
from lib.storage import bloat, indexes
from tests.conftest import make_db
from tests.lockscene import Session, wait_until

ROWS = 100_000


@pytest.fixture()
def doubled(fresh_url):
    """Loaded, analyzed, then every row updated (no HOT: the pages are full) without ANALYZE."""
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE doubled (id bigint PRIMARY KEY, payload text, qty int) "
                     "WITH (autovacuum_enabled = false)")
        conn.execute("INSERT INTO doubled SELECT g, 'a payload of some forty characters ' || g, g %% 100 "
                     "FROM generate_series(1, %s) g", (ROWS,))
        conn.execute("SELECT pg_stat_force_next_flush()")  # counted before ANALYZE restarts the count
        conn.execute("VACUUM ANALYZE doubled")
        conn.execute("UPDATE doubled SET qty = qty + 1")
        conn.execute("SELECT pg_stat_force_next_flush()")
        wait_until(lambda: conn.execute("SELECT n_mod_since_analyze FROM pg_stat_user_tables "
                                        "WHERE relname = 'doubled'").fetchone()[0] >= ROWS,
                   what="the update to reach the statistics")
    return fresh_url


def measured(url: str, name: str) -> tuple[int, int]:
    """The relation's file size now and the size its catalog page count says."""
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT pg_relation_size(c.oid), c.relpages::bigint * current_setting('block_size')::int "
                            "FROM pg_class c WHERE c.relname = %s", (name,)).fetchone()


def test_sizes_and_bloat_follow_the_files_not_the_stale_catalog(doubled):
    table_now, table_catalog = measured(doubled, "doubled")
    index_now, index_catalog = measured(doubled, "doubled_pkey")
    assert table_now > 1.8 * table_catalog and index_now > 1.8 * index_catalog  # the scene: doubled, uncounted
    db = make_db(doubled)
    db.thresholds = dataclasses.replace(db.thresholds, bloat_min_mb=1)
    try:
        table = bloat.table_bloat(db).set_index("name").loc["doubled"]
        assert table["heap_bytes"] == table_now
        assert 0.4 < table["bloat_ratio"] < 0.6  # half the file holds the dead versions
        assert "100,000 rows changed since the last ANALYZE" in table["stale"]
        index = bloat.index_bloat(db).set_index("name").loc["doubled_pkey"]
        assert index["index_bytes"] == index_now and index["table_bytes"] == table_now
        assert index["bloat_ratio"] > 0.4 and index["stale"]
        cat = indexes.catalog(db)
        listed = cat.set_index("name").loc["doubled_pkey"]
        assert (listed["index_bytes"], listed["table_bytes"]) == (index_now, table_now)
        lent = bloat.index_bloat(db, catalog=cat).set_index("name").loc["doubled_pkey"]  # sizes from the catalog
        assert (lent["index_bytes"], lent["bloat_ratio"]) == (index_now, index["bloat_ratio"])

        run = run_checks(CheckContext(db, db.thresholds), ["tables.bloat", "indexes.bloat"])
        assert not run.errors
        found = {f.check: f for f in run.findings if f.object in ("public.doubled", "public.doubled_pkey")}
        assert set(found) == {"tables.bloat", "indexes.bloat"}
        assert found["tables.bloat"].evidence["table_bytes"] == table_now
        assert found["indexes.bloat"].evidence["index_bytes"] == index_now
        for finding in found.values():
            assert finding.evidence["statistics_stale"].startswith("100,000 rows changed")
            assert "statistics are older than the table's last big change" in finding.recommendation
    finally:
        db.close()


def test_fresh_statistics_are_not_called_stale(doubled):
    with psycopg.connect(doubled, autocommit=True) as conn:
        conn.execute("ANALYZE doubled")
    db = make_db(doubled)
    db.thresholds = dataclasses.replace(db.thresholds, bloat_min_mb=1)
    try:
        table = bloat.table_bloat(db).set_index("name").loc["doubled"]
        assert table["stale"] == "" and 0.4 < table["bloat_ratio"] < 0.6
        finding = next(f for f in run_checks(CheckContext(db, db.thresholds), ["tables.bloat"]).findings
                       if f.object == "public.doubled")
        assert "statistics_stale" not in finding.evidence
    finally:
        db.close()


def test_a_table_locked_by_someone_keeps_its_catalog_size_instead_of_waiting(doubled):
    _, table_catalog = measured(doubled, "doubled")
    index_now, _ = measured(doubled, "doubled_pkey")  # only the table will be locked
    root = Session(doubled, "locker")
    root.start("LOCK TABLE doubled IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60)")
    db = make_db(doubled)
    try:
        wait_until(lambda: db.rows("locked_relations"), what="the lock")
        assert bloat.table_bloat(db).set_index("name").loc["doubled", "heap_bytes"] == table_catalog
        listed = indexes.catalog(db).set_index("name").loc["doubled_pkey"]
        assert (listed["index_bytes"], listed["table_bytes"]) == (index_now, table_catalog)
        assert bloat.index_bloat(db).set_index("name").loc["doubled_pkey", "table_bytes"] == table_catalog
    finally:
        db.close()
        root.close()
