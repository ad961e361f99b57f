"""Typical $n values: which column each placeholder meets (pglast), and its statistics on real PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest

from lib.explain.params import Use, pick, placeholder_uses, suggestions
from tests.conftest import make_db

STATEMENT = ("SELECT * FROM public.leads l JOIN clients c ON c.id = l.client_id WHERE l.email = $1 "
             "AND c.n > $2::int AND status IN ($3, $4) AND x BETWEEN $5 AND $6 AND y = ANY ($7) "
             "AND $8 < l.z AND l.name LIKE $9 AND lower(l.email) = $10")  # fmt: skip


def test_which_column_each_placeholder_meets():
    uses = placeholder_uses(STATEMENT)
    both = ("public.leads", "clients")
    assert uses == {
        1: Use("email", ("public.leads",), "equality"),
        2: Use("n", ("clients",), "range"),
        3: Use("status", both, "equality"), 4: Use("status", both, "equality"),
        5: Use("x", both, "range"), 6: Use("x", both, "range"),
        7: Use("y", both, "array"),
        8: Use("z", ("public.leads",), "range"),
        9: Use("name", ("public.leads",), "pattern"),
    }  # fmt: skip
    # $10 meets a function of a column, not a column: no statistics to offer
    assert placeholder_uses('SELECT 1 FROM "we""ird" w WHERE w."Odd col" = $1') == {
        1: Use("Odd col", ('"we""ird"',), "equality")}
    assert placeholder_uses("SELECT $1") == {} and placeholder_uses("not sql $1") == {}


def test_pick_values():
    assert pick("equality", ["new", "open", "won", "lost", "x", "y"], ["a", "z"]) == ["new", "open", "won", "lost", "x"]
    bounds = [str(i) for i in range(101)]  # 0..100
    assert pick("range", ["7"], bounds) == ["10", "25", "50", "75", "90"]
    assert pick("equality", [], bounds) == ["10", "25", "50", "75", "90"]
    assert pick("array", ["a b"], []) == ['{"a b"}']
    assert pick("range", [], []) == []


@pytest.fixture()
def stats_db(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute('CREATE TABLE "Lead ""x"" {t}" (id int, status text, amount int)')
        conn.execute("""INSERT INTO "Lead ""x"" {t}" SELECT i, CASE WHEN i % 10 < 7 THEN 'new' WHEN i % 10 < 9
                        THEN 'open' ELSE 'won' END, i FROM generate_series(1, 10000) i""")
        conn.execute('ANALYZE "Lead ""x"" {t}"')
    db = make_db(fresh_url)
    yield db
    db.close()


def test_typical_values_from_pg_stats(stats_db):
    statement = ('SELECT * FROM "Lead ""x"" {t}" l WHERE l.status = $1 AND amount > $2 AND amount < $3 '
                 "AND missing_column = $4")
    got = suggestions(stats_db, statement)
    assert set(got) == {1, 2, 3}
    assert got[1].values == ["new", "open", "won"]  # most frequent first
    assert got[1].column == 'Lead "x" {t}.status' and got[1].source == "most common values"
    low, q1, median, q3, high = (int(v) for v in got[2].values)
    assert 500 <= low <= 1500 and 2000 <= q1 <= 3000 and 4500 <= median <= 5500 and 7000 <= q3 <= 8000
    assert 8500 <= high <= 9500 and got[2].source == "histogram"
    assert suggestions(stats_db, "SELECT * FROM no_such_table WHERE a = $1") == {}
