"""Hostile object names: every Finding names exactly the object, and every action's SQL, executed,
affects exactly that object (checked by OID) and nothing else."""

from __future__ import annotations

from dataclasses import replace

import psycopg
import pytest
from psycopg import sql

from lib.checks import run_checks
from lib.core.findings import CheckContext
from tests import servers
from tests.conftest import make_db

SCHEMA = 'My "Schema"; --'
NAMES = ["Mixed Case", "with space", 'quote"inside', "semi; DROP TABLE victim; --", "ünïcödé ☃", "x" * 63,
         "select", "dotted.name", "é" * 31 + "x"]  # the last two: a dot, and 63 bytes of two-byte characters
PREFIXES = ["tables.", "indexes.", "schema."]


def cut(text: str, limit: int = 63) -> str:
    return text.encode()[:limit].decode(errors="ignore")


def ident(*parts: str) -> sql.Composable:
    return sql.Identifier(*parts)


def names_for(name: str, k: int) -> dict[str, str]:
    """The objects planted for one hostile name (all distinct, all at most 63 bytes)."""
    return {"table": name, "parent": f"parent {k}", "ref": cut("ref " + name), "fk": cut("f " + name),
            "dup1": cut("i1 " + name), "dup2": cut("i2 " + name), "unused": cut("u " + name),
            "invalid": cut("v " + name), "matview": cut("m " + name), "matview_key": cut("mk " + name),
            "nopk": cut("n " + name)}


def plant(conn: psycopg.Connection, k: int, name: str) -> None:
    n = names_for(name, k)
    off = sql.SQL("WITH (autovacuum_enabled = false)")  # nothing but our actions may touch the counters
    q = lambda text, **parts: conn.execute(sql.SQL(text).format(**parts))  # noqa: E731
    s = sql.Identifier(SCHEMA)
    q("CREATE TABLE {s}.{p} (id int PRIMARY KEY) {off}", s=s, p=ident(n["parent"]), off=off)
    q("INSERT INTO {s}.{p} SELECT generate_series(1, 10)", s=s, p=ident(n["parent"]))
    q("CREATE TABLE {s}.{t} (id int PRIMARY KEY, {ref} int, status text, payload int, tag text, "
      "CONSTRAINT {fk} FOREIGN KEY ({ref}) REFERENCES {s}.{p}) {off}", s=s, t=ident(name), ref=ident(n["ref"]),
      fk=ident(n["fk"]), p=ident(n["parent"]), off=off)
    q("INSERT INTO {s}.{t} SELECT g, 1 + g % 10, (ARRAY['new', 'done'])[1 + g % 2], g % 100, (g % 7)::text "
      "FROM generate_series(1, 3000) g", s=s, t=ident(name))
    q("CREATE INDEX {i} ON {s}.{t} (payload)", i=ident(n["dup1"]), s=s, t=ident(name))
    q("CREATE INDEX {i} ON {s}.{t} (payload)", i=ident(n["dup2"]), s=s, t=ident(name))
    q("CREATE INDEX {i} ON {s}.{t} (status)", i=ident(n["unused"]), s=s, t=ident(name))
    with pytest.raises(psycopg.errors.UniqueViolation):  # a failed concurrent build leaves an invalid index
        q("CREATE UNIQUE INDEX CONCURRENTLY {i} ON {s}.{t} (tag)", i=ident(n["invalid"]), s=s, t=ident(name))
    q("CREATE MATERIALIZED VIEW {s}.{m} {off} AS SELECT id, payload FROM {s}.{t}", s=s, m=ident(n["matview"]),
      t=ident(name), off=off)
    q("CREATE UNIQUE INDEX {i} ON {s}.{m} (id)", i=ident(n["matview_key"]), s=s, m=ident(n["matview"]))
    q("ANALYZE {s}.{t}", s=s, t=ident(name))
    q("DELETE FROM {s}.{t} WHERE id % 2 = 0", s=s, t=ident(name))
    q("CREATE TABLE {s}.{t} (id serial, note text) {off}", s=s, t=ident(n["nopk"]), off=off)
    q("INSERT INTO {s}.{t} (note) SELECT 'row ' || g FROM generate_series(1, 100) g", s=s, t=ident(n["nopk"]))
    conn.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), 2040109465)",
                 (sql.SQL("{}.{}").format(s, ident(n["nopk"])).as_string(conn),))


@pytest.fixture(scope="module")
def hostile(pg):
    """A fresh database full of hostile names on each server, and one run of the checks over it."""
    url = servers.create_database(pg, prefix="hostile")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE victim (id int PRIMARY KEY)")
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(ident(SCHEMA)))
        for k, name in enumerate(NAMES):
            plant(conn, k, name)
        conn.execute("SELECT pg_stat_force_next_flush()")
    db = make_db(url)
    # statistics minutes old: let "unused" count from now, so the unused index offers its DROP here
    db.thresholds = replace(db.thresholds, unused_index_min_stats_age_days=0)
    result = run_checks(CheckContext(db, db.thresholds), PREFIXES)
    db.close()
    return url, result


def oid_of(conn, name: str) -> int:
    return conn.execute("SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = %s AND c.relname = %s", (SCHEMA, name)).fetchone()[0]


def regclass_text(conn, name: str) -> str:
    """PostgreSQL's own quoting of the qualified name (regclass output), to compare with."""
    return conn.execute("SELECT %s::oid::regclass::text", (oid_of(conn, name),)).fetchone()[0]


def constraint_text(conn, name: str) -> str:
    return conn.execute("SELECT quote_ident(%s) || '.' || quote_ident(%s)", (SCHEMA, name)).fetchone()[0]


def counters(conn, column: str) -> dict[int, int]:
    query = sql.SQL("SELECT relid, {} FROM pg_stat_user_tables").format(sql.Identifier(column))
    return dict(conn.execute(query).fetchall())


def indexes_now(conn) -> dict[int, tuple]:
    return {row[0]: row[1:] for row in conn.execute(
        "SELECT i.indexrelid, i.indrelid, c.relname, i.indisvalid, i.indkey::text FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname NOT IN ('pg_catalog', 'pg_toast')").fetchall()}


def matview_rows(conn) -> dict[str, int]:
    views = conn.execute("SELECT schemaname, matviewname FROM pg_matviews").fetchall()
    return {name: conn.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(ident(schema), ident(name))).fetchone()[0]
            for schema, name in views}


def one(result, check_id: str, obj: str):
    found = [f for f in result.findings if f.check == check_id and f.object == obj]
    assert len(found) == 1, f"expected one {check_id} finding on {obj}, got {len(found)}"
    return found[0]


def test_checks_run_cleanly_and_name_nothing_else(hostile):
    url, result = hostile
    assert not result.errors, result.errors
    assert not [f for f in result.findings if f.object.startswith("public.victim")]
    with psycopg.connect(url, autocommit=True) as conn:
        for finding in result.findings:
            action = finding.action
            if action is None or action.kind == "create_index":
                continue
            # The action's target is an existing relation, and the finding names that very relation.
            target = conn.execute("SELECT to_regclass(format('%%I.%%I', %s::text, %s::text))::text",
                                  (action.target_schema, action.target_name)).fetchone()[0]
            assert target == finding.object, (finding.check, finding.object, action.sql)


@pytest.mark.parametrize("k", range(len(NAMES)), ids=[repr(n)[:20] for n in NAMES])
def test_findings_and_actions_target_exactly_the_hostile_object(hostile, k):
    url, result = hostile
    name = NAMES[k]
    n = names_for(name, k)
    with psycopg.connect(url, autocommit=True) as conn:
        table, table_oid = regclass_text(conn, name), oid_of(conn, name)

        # Dead tuples: VACUUM (ANALYZE) runs on this table and no other.
        dead = one(result, "tables.dead_tuples", table)
        assert (dead.action.target_schema, dead.action.target_name) == (SCHEMA, name)
        switched_off = one(result, "tables.autovacuum_disabled", table).action  # RESET of this table's setting
        assert switched_off.kind == "reset_autovacuum"
        assert (switched_off.target_schema, switched_off.target_name) == (SCHEMA, name)
        assert switched_off.sql == sql.SQL("ALTER TABLE {}.{} RESET (autovacuum_enabled)").format(
            sql.Identifier(SCHEMA), sql.Identifier(name)).as_string(conn)
        before = counters(conn, "vacuum_count")
        conn.execute(dead.action.sql)
        after = counters(conn, "vacuum_count")
        assert {oid for oid in after if after[oid] != before.get(oid)} == {table_oid}

        # A foreign key without an index: the new index is on this table's key column, and is the only new one.
        fk = one(result, "indexes.fk_missing", constraint_text(conn, n["fk"]))
        before = indexes_now(conn)
        conn.execute(fk.action.sql)
        after = indexes_now(conn)
        added = set(after) - set(before)
        assert len(added) == 1 and set(before) <= set(after)
        ref_attnum = conn.execute("SELECT attnum FROM pg_attribute WHERE attrelid = %s AND attname = %s",
                                  (table_oid, n["ref"])).fetchone()[0]
        new = after[added.pop()]
        assert new[0] == table_oid and new[3] == str(ref_attnum) and new[1] == fk.action.target_name

        # Two identical indexes: the redundant one is dropped, the one to keep stays.
        dup1, dup2 = regclass_text(conn, n["dup1"]), regclass_text(conn, n["dup2"])
        redundant = [f for f in result.findings if f.check == "indexes.redundant" and f.object in (dup1, dup2)]
        assert len(redundant) == 1
        finding = redundant[0]
        kept = dup2 if finding.object == dup1 else dup1
        assert finding.evidence["keep"] == kept
        dropped_oid = oid_of(conn, finding.action.target_name)
        before = indexes_now(conn)
        conn.execute(finding.action.sql)
        assert set(before) - set(indexes_now(conn)) == {dropped_oid}

        # An unused index: dropped by OID, nothing else.
        unused = one(result, "indexes.unused", regclass_text(conn, n["unused"]))
        unused_oid = oid_of(conn, n["unused"])
        before = indexes_now(conn)
        conn.execute(unused.action.sql)
        assert set(before) - set(indexes_now(conn)) == {unused_oid}

        # An invalid index (failed CREATE UNIQUE INDEX CONCURRENTLY): REINDEX rebuilds it, and only it.
        invalid = one(result, "indexes.invalid", regclass_text(conn, n["invalid"]))
        invalid_oid = oid_of(conn, n["invalid"])
        conn.execute(sql.SQL("UPDATE {}.{} SET tag = id::text").format(ident(SCHEMA), ident(name)))
        before = indexes_now(conn)
        conn.execute(invalid.action.sql)
        after = indexes_now(conn)
        assert set(before) - set(after) == {invalid_oid}  # REINDEX CONCURRENTLY swaps in a new index
        (rebuilt,) = set(after) - set(before)
        assert after[rebuilt][:3] == (table_oid, n["invalid"], True)
        assert {oid: v for oid, v in before.items() if oid != invalid_oid} == \
               {oid: v for oid, v in after.items() if oid != rebuilt}

        # A materialized view: REFRESH ... CONCURRENTLY brings this one up to date, and only this one.
        matview = one(result, "schema.matviews", regclass_text(conn, n["matview"]))
        assert "CONCURRENTLY" in matview.action.sql
        conn.execute(sql.SQL("INSERT INTO {}.{} (id) VALUES (100000)").format(ident(SCHEMA), ident(name)))
        before = matview_rows(conn)
        conn.execute(matview.action.sql)
        after = matview_rows(conn)
        assert {m for m in after if after[m] != before[m]} == {n["matview"]}

        # A table never analyzed, without a primary key, fed by a sequence at 95%.
        nopk, nopk_oid = regclass_text(conn, n["nopk"]), oid_of(conn, n["nopk"])
        one(result, "schema.no_primary_key", nopk)
        sequence = conn.execute("SELECT pg_get_serial_sequence(%s, 'id')", (nopk,)).fetchone()[0]
        one(result, "schema.sequence_near_max", sequence)
        never = one(result, "tables.never_analyzed", nopk)
        before = counters(conn, "analyze_count")
        conn.execute(never.action.sql)
        after = counters(conn, "analyze_count")
        assert {oid for oid in after if after[oid] != before.get(oid)} == {nopk_oid}

        one(result, "schema.status_without_check", table + "." + "status")
        assert conn.execute("SELECT to_regclass('public.victim')").fetchone()[0] is not None
