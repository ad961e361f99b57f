"""The bloat model against real tables (and pgstattuple), and autovacuum's next firing worked out
from settings and a table's own storage parameters."""

from __future__ import annotations

import psycopg
import pytest

from lib.storage import bloat, tables, vacuum
from tests.conftest import make_db


def test_tuple_arithmetic_by_hand():
    # (int4, int8): 23-byte header padded to 24; int4 at 0..4, int8 aligned to 8..16; 40 bytes + 4 pointer.
    columns = [("i", 4, 4, 0.0), ("d", 8, 8, 0.0)]
    assert bloat.heap_tuple_bytes(columns, natts=2) == 44
    # 8168 usable bytes / 44 = 185 rows a page: 1110 rows fill 6 pages, one more needs a 7th.
    assert bloat.expected_heap_pages(1000, 44, 100, 8192) == 6
    assert bloat.expected_heap_pages(1110, 44, 100, 8192) == 6
    assert bloat.expected_heap_pages(1111, 44, 100, 8192) == 7
    # fillfactor 50 halves what a page takes: 4084 / 44 = 92 rows, so 1000 rows need 11 pages.
    assert bloat.expected_heap_pages(1000, 44, 50, 8192) == 11
    # A short text (avg 10 bytes) is not aligned: int4 + 10 = 14 bytes after the header -> 24 + 14 -> 40 + 4.
    assert bloat.heap_tuple_bytes([("i", 4, 4, 0.0), ("i", -1, 10, 0.0)], natts=2) == 44
    # A variable-width column with no statistics cannot be sized.
    assert bloat.heap_tuple_bytes([("i", -1, None, None)], natts=1) is None
    # btree leaf tuple on one int8: 8-byte header + 8 = 16 + 4 pointer; 8152 * 0.9 / 20 = 366 a leaf.
    assert bloat.index_tuple_bytes([("d", 8, 8, 0.0)]) == 20
    assert bloat.expected_btree_pages(366 * 10, 20, 90, 8192) == 10 + 1 + 1  # leaves, root, metapage


@pytest.fixture()
def measured(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        conn.execute("CREATE TABLE m (id bigint PRIMARY KEY, name text, qty int, seen timestamptz, note text) "
                     "WITH (autovacuum_enabled = false)")
        conn.execute("INSERT INTO m SELECT g, 'customer number ' || g, g % 1000, now(), "
                     "CASE WHEN g % 2 = 0 THEN 'a note' END FROM generate_series(1, 60000) g")
        conn.execute("VACUUM ANALYZE m")
    return fresh_url


def estimates(db, name: str) -> tuple[dict, dict]:
    table = bloat.table_bloat(db).set_index("name").loc[name].to_dict()
    index = bloat.index_bloat(db).set_index("name").loc[f"{name}_pkey"].to_dict()
    return table, index


def test_estimates_follow_real_bloat_and_agree_with_pgstattuple(measured):
    db = make_db(measured)
    try:
        table, index = estimates(db, "m")
        assert table["bloat_ratio"] < 0.08  # freshly loaded: almost no bloat
        assert index["bloat_ratio"] < 0.12  # built in order by the inserts: leaves nearly full
        with psycopg.connect(measured, autocommit=True) as conn:
            conn.execute("DELETE FROM m WHERE id % 2 = 0")  # every other row: pages stay, half empty
            conn.execute("VACUUM ANALYZE m")
        table, index = estimates(db, "m")
        assert 0.4 < table["bloat_ratio"] < 0.6
        assert 0.35 < index["bloat_ratio"] < 0.65
        exact = tables.exact_table(db, int(table["oid"]))
        measured_free = (exact["approx_free_percent"] + exact["dead_tuple_percent"]) / 100
        assert abs(measured_free - table["bloat_ratio"]) < 0.1
    finally:
        db.close()


def test_next_autovacuum_from_settings_and_storage_parameters(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE plain (id int) WITH (autovacuum_enabled = false)")
        conn.execute("CREATE TABLE tuned (id int) WITH (autovacuum_enabled = false, "
                     "autovacuum_vacuum_scale_factor = 0.05, autovacuum_analyze_threshold = 10)")
        for name in ("plain", "tuned"):
            conn.execute(f"INSERT INTO {name} SELECT generate_series(1, 1000)")
            conn.execute("SELECT pg_stat_force_next_flush()")  # counted before ANALYZE restarts the count
            conn.execute(f"ANALYZE {name}")
            conn.execute(f"DELETE FROM {name} WHERE id <= 120")
        conn.execute("SELECT pg_stat_force_next_flush()")
    db = make_db(fresh_url)
    try:
        rows = {r["name"]: r for r in tables.health_page(db).rows.to_dict("records")}
    finally:
        db.close()
    plain, tuned = rows["plain"], rows["tuned"]
    # Defaults: 50 + 0.2 x 1000 dead rows, 50 + 0.1 x 1000 changes.
    assert (plain["vacuum_threshold"], plain["analyze_threshold"]) == (250, 150)
    # The table's own parameters: 50 + 0.05 x 1000 dead rows, 10 + 0.1 x 1000 changes.
    assert (tuned["vacuum_threshold"], tuned["analyze_threshold"]) == (100, 110)
    assert plain["n_dead_tup"] == tuned["n_dead_tup"] == 120
    assert tuned["vacuum_progress"] == pytest.approx(1.2) and plain["vacuum_progress"] == pytest.approx(0.48)
    assert plain["next_autovacuum"].startswith("never while autovacuum is off")
    # With autovacuum on for them: the trigger closest to firing, and how far it is.
    assert vacuum.next_autovacuum({**tuned, "autovacuum_enabled": True}) == \
        "vacuum due at the next autovacuum round (120 dead rows over 100)"
    # 1,000 inserts since the table was last vacuumed, against 1000 + 0.2 x 1000.
    assert plain["insert_threshold"] == 1200
    assert vacuum.next_autovacuum({**plain, "autovacuum_enabled": True}) == "insert vacuum after 200 more inserted rows"


def test_tables_never_vacuumed_come_first_and_are_counted(fresh_url):
    from tests.lockscene import wait_until

    with psycopg.connect(fresh_url, autocommit=True) as conn:
        for name in ('"Never ""v"" t"', "vacuumed", "analyzed_only"):
            conn.execute(f"CREATE TABLE {name} (id int) WITH (autovacuum_enabled = off)")
            conn.execute(f"INSERT INTO {name} SELECT generate_series(1, 100)")
        conn.execute("VACUUM vacuumed")
        conn.execute("ANALYZE analyzed_only")
        conn.execute("SELECT pg_stat_force_next_flush()")

        def counted() -> bool:
            return conn.execute("SELECT count(*) FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL "
                                "OR last_analyze IS NOT NULL").fetchone()[0] == 2
        wait_until(counted, what="the vacuum and analyze to reach the statistics")
    db = make_db(fresh_url)
    try:
        page = tables.health_page(db, sort="vacuum_age")
        names = list(page.rows["name"])
        assert names[-1] == "vacuumed" and set(names[:2]) == {'Never "v" t', "analyzed_only"}
        assert dict(zip(names, page.rows["never_vacuumed"], strict=True)) == {
            'Never "v" t': True, "analyzed_only": True, "vacuumed": False}
        first = page.rows.iloc[0]
        # never vacuumed: the first two; never analyzed: 'Never "v" t' and the plain VACUUM's table
        assert (first["never_vacuumed_total"], first["never_analyzed_total"]) == (2, 2)
    finally:
        db.close()
