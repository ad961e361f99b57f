"""The unused-index finding shows what can be known: the index's size, its table's writes since the statistics
reset (labelled as the table's, never as the index's own), and how old the statistics are, in words."""

from __future__ import annotations

import psycopg

from lib.checks import run_checks
from lib.core.findings import CheckContext
from lib.core.fmt import evidence_text
from tests.conftest import make_db


def test_unused_index_evidence_is_labelled_for_what_it_is(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id int PRIMARY KEY, note text)")
        conn.execute("INSERT INTO orders SELECT g, 'n' FROM generate_series(1, 3000) g")  # before the index
        conn.execute("CREATE INDEX orders_note_idx ON orders (note)")
        conn.execute("SELECT pg_stat_force_next_flush()")
        conn.execute("SELECT 1")
    db = make_db(fresh_url)
    try:
        run = run_checks(CheckContext(db, db.thresholds), ["indexes.unused"])
    finally:
        db.close()
    [finding] = [f for f in run.findings if f.object == "public.orders_note_idx"]
    ev = finding.evidence
    assert "index_writes" not in ev  # 3,000 writes happened before the index existed
    assert ev["table_writes_since_reset"] == 3000
    text = evidence_text(ev)
    assert "table writes since stats reset: 3,000" in text
    assert "statistics age: " in text and "stats age days" not in text
    assert "index size: " in text and " kB" in text
    assert "no per-index count" in finding.recommendation or "wait until" in finding.recommendation
