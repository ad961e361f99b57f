"""The demo content plants every problem it claims: checked from the catalogs and statistics views.

Expected facts are read from PostgreSQL itself (pg_index, pg_constraint, pg_stat_*,
pg_stat_statements), not from lib.demo's own description of what it planted.
"""

from __future__ import annotations

import re
import time

import psycopg
import pytest
from psycopg import sql

from lib.demo.content import PLANTED, TARGET_STATEMENTS, load_schema, run_workload
from tests import servers


# -- server: a fresh database on each test server (PostgreSQL 18 and 15) ---------------------------------
@pytest.fixture(scope="module")
def demo_conninfo(pg):
    return servers.create_database(pg, prefix="democontent", extensions=())


# -- the demo, loaded once for the module ---------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(demo_conninfo):
    seen_app_names: set[str] = set()

    def watch(fraction: float, text: str) -> None:
        assert 0.0 <= fraction <= 1.0
        # This database's sessions only: pools of earlier tests stay open on other databases of the server.
        with psycopg.connect(demo_conninfo, autocommit=True) as other:
            seen_app_names.update(r[0] for r in other.execute(
                "SELECT application_name FROM pg_stat_activity"
                " WHERE pid <> pg_backend_pid() AND datname = current_database()"))

    load_steps: list[float] = []
    started = time.perf_counter()
    load_schema(demo_conninfo, progress=lambda fraction, text: load_steps.append(fraction))
    loaded = time.perf_counter()
    run_workload(demo_conninfo, progress=watch)
    finished = time.perf_counter()
    print(f"\ndemo content: load_schema {loaded - started:.1f} s, run_workload {finished - loaded:.1f} s")
    return {"conninfo": demo_conninfo, "app_names": seen_app_names, "load_steps": load_steps}


@pytest.fixture(scope="module")
def db(demo):
    with psycopg.connect(demo["conninfo"], autocommit=True) as conn:
        yield conn


def rows(conn, query, params=None):
    return conn.execute(query, params).fetchall()


def value(conn, query, params=None):
    return conn.execute(query, params).fetchone()[0]


def statements(conn, pattern: str) -> list[dict]:
    """pg_stat_statements rows of this database whose text matches `pattern` (case-insensitive)."""
    found = []
    for queryid, query, calls, mean, rows_, temp in rows(conn, """
            SELECT queryid, query, calls, mean_exec_time, rows, temp_blks_written
              FROM pg_stat_statements
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"""):
        if re.search(pattern, query, re.IGNORECASE):
            found.append({"queryid": queryid, "query": query, "calls": calls, "mean_ms": mean,
                          "rows": rows_, "temp_blks_written": temp})
    return found


def one_statement(conn, pattern: str) -> dict:
    found = statements(conn, pattern)
    assert len(found) == 1, f"expected one statement matching {pattern!r}, got {found}"
    return found[0]


# -- setup ----------------------------------------------------------------------------------------------
def test_extensions_are_in_public(db):
    got = dict(rows(db, """SELECT e.extname, n.nspname FROM pg_extension e
                           JOIN pg_namespace n ON n.oid = e.extnamespace"""))
    for ext in ("pg_stat_statements", "pgstattuple", "pg_buffercache"):
        assert got.get(ext) == "public"


def test_workload_runs_under_its_own_application_name(demo):
    assert "pgpulse-demo-workload" in demo["app_names"]
    assert "pgpulse" not in demo["app_names"]


def test_load_statements_stay_out_of_pg_stat_statements(db):
    assert statements(db, r"generate_series") == []
    assert statements(db, r"^CREATE TABLE") == []


def test_load_progress_goes_from_0_to_1(demo):
    steps = demo["load_steps"]
    assert len(steps) >= 5
    assert steps == sorted(steps) and steps[0] == 0.0 and steps[-1] == 1.0


def test_load_schema_is_idempotent(demo, db):
    leads_before = value(db, "SELECT count(*) FROM leads")
    load_schema(demo["conninfo"])
    # a reload would have gone back to the generated rows, losing the workload's inserts
    assert value(db, "SELECT count(*) FROM leads") == leads_before
    assert value(db, "SELECT count(*) FROM pgpulse_demo.meta") == 1


def test_volumes_and_guide_objects(db):
    assert value(db, "SELECT count(*) FROM leads") >= 100_000
    assert value(db, "SELECT count(*) FROM leads_by_month") >= 100_000
    kind, strategy, parts = rows(db, """
        SELECT c.relkind, p.partstrat, (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = c.oid)
          FROM pg_class c JOIN pg_partitioned_table p ON p.partrelid = c.oid
         WHERE c.oid = 'public.leads_by_month'::regclass""")[0]
    assert (kind, strategy) == ("p", "r") and parts >= 24
    for table in ("clients", "invoices", "payments", "dead_letter_queue"):
        assert value(db, sql.SQL("SELECT count(*) > 0 FROM public.{}").format(sql.Identifier(table)))
    # clients is the wide table: many columns, a big notes column, jsonb metadata
    assert value(db, """SELECT count(*) FROM pg_attribute
                         WHERE attrelid = 'public.clients'::regclass AND attnum > 0""") >= 20
    assert value(db, "SELECT avg(length(notes)) FROM clients") > 500
    assert value(db, """SELECT format_type(atttypid, atttypmod) FROM pg_attribute
                         WHERE attrelid = 'public.clients'::regclass AND attname = 'metadata'""") == "jsonb"


def test_dashboard_stats_can_refresh_concurrently(db):
    assert value(db, "SELECT relkind FROM pg_class WHERE oid = 'public.dashboard_stats'::regclass") == "m"
    assert value(db, """SELECT count(*) FROM pg_index
                         WHERE indrelid = 'public.dashboard_stats'::regclass AND indisunique
                           AND indpred IS NULL AND indexprs IS NULL""") == 1
    assert one_statement(db, r"^REFRESH MATERIALIZED VIEW CONCURRENTLY dashboard_stats")["calls"] >= 1


# -- indexes --------------------------------------------------------------------------------------------
def test_n_plus_one_lookup_is_one_statement_called_per_row(db):
    lookup = one_statement(db, r"FROM invoices WHERE client_id = \$1$")
    assert lookup["calls"] >= 50
    listing = one_statement(db, r"FROM clients WHERE deleted_at IS NULL ORDER BY created_at DESC LIMIT \$1")
    assert lookup["calls"] > 10 * listing["calls"]  # many lookups per list


def test_lower_email_without_functional_index(db):
    assert one_statement(db, r"LOWER\(email\) = LOWER\(\$1\)")["calls"] >= 10
    defs = [r[0] for r in rows(db, """SELECT pg_get_indexdef(indexrelid) FROM pg_index
                                      WHERE indrelid = 'public.clients'::regclass""")]
    assert any(re.search(r"btree \(email\)$", d) for d in defs)
    assert not any("lower" in d.lower() for d in defs)
    assert value(db, "SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'clients_email_idx'") == 0


def test_filter_on_unindexed_column_scans_leads(db):
    assert one_statement(db, r"FROM leads WHERE email = \$1")["calls"] >= 20
    seq_scan, seq_tup_read = rows(db, """SELECT seq_scan, seq_tup_read FROM pg_stat_user_tables
                                          WHERE relid = 'public.leads'::regclass""")[0]
    assert seq_scan >= 20 and seq_tup_read >= 20 * 100_000
    email = value(db, "SELECT attnum FROM pg_attribute WHERE attrelid = 'public.leads'::regclass AND attname = 'email'")
    assert value(db, "SELECT count(*) FROM pg_index WHERE indrelid = 'public.leads'::regclass AND indkey[0] = %s",
                 (email,)) == 0


def test_unused_non_unique_index(db):
    unused = [r[0] for r in rows(db, """
        SELECT s.indexrelname FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
         WHERE s.schemaname = 'public' AND s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary""")]
    assert "leads_utm_campaign_idx" in unused


def test_duplicate_and_redundant_indexes(db):
    dupes = rows(db, """
        SELECT a.indexrelid::regclass::text, b.indexrelid::regclass::text
          FROM pg_index a JOIN pg_index b
            ON a.indrelid = b.indrelid AND a.indexrelid < b.indexrelid
           AND a.indkey::text = b.indkey::text AND a.indclass::text = b.indclass::text
           AND a.indexprs IS NULL AND b.indexprs IS NULL AND a.indpred IS NULL AND b.indpred IS NULL
         WHERE a.indrelid = 'public.invoices'::regclass""")
    assert len(dupes) == 1
    # a shorter index whose columns lead a longer one on the same table
    prefixes = value(db, """
        SELECT count(*) FROM pg_index s JOIN pg_index l
            ON s.indrelid = l.indrelid AND s.indnatts < l.indnatts
           AND (l.indkey::int2[])[0:s.indnatts - 1] = (s.indkey::int2[])[0:s.indnatts - 1]  -- slices: same bounds
         WHERE s.indrelid = 'public.invoices'::regclass AND NOT s.indisunique""")
    assert prefixes >= 2


def test_foreign_keys_without_index(db):
    missing = [r[0] for r in rows(db, """
        SELECT c.conname FROM pg_constraint c
         WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
           AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid
                              AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] = c.conkey)""")]
    assert "payments_invoice_id_fkey" in missing
    assert "invoices_client_id_fkey" not in missing  # the guide's way, for contrast


def test_soft_delete_table_with_hot_non_partial_index(db):
    assert value(db, """SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.clients'::regclass
                         AND attname = 'deleted_at' AND NOT attisdropped""") == 1
    assert value(db, "SELECT count(*) FROM clients WHERE deleted_at IS NOT NULL") > 0
    hot = rows(db, """SELECT i.indpred IS NULL, s.idx_scan FROM pg_stat_user_indexes s
                        JOIN pg_index i ON i.indexrelid = s.indexrelid
                       WHERE s.indexrelname = 'clients_created_at_idx'""")[0]
    assert hot[0] is True and hot[1] > 0
    assert value(db, "SELECT count(*) FROM pg_index WHERE indrelid = 'public.clients'::regclass "
                     "AND indpred IS NOT NULL") == 0


# -- tables ---------------------------------------------------------------------------------------------
def test_dead_tuples_with_autovacuum_off(db):
    db.execute("SELECT pg_stat_force_next_flush()")
    live, dead, options = rows(db, """
        SELECT s.n_live_tup, s.n_dead_tup, c.reloptions FROM pg_stat_user_tables s
          JOIN pg_class c ON c.oid = s.relid WHERE s.relid = 'public.dead_letter_queue'::regclass""")[0]
    assert dead / (live + dead) > 0.2
    assert "autovacuum_enabled=false" in options
    # pgstattuple measures the same from the pages themselves
    assert value(db, "SELECT dead_tuple_percent FROM pgstattuple('public.dead_letter_queue')") > 10


def test_sequence_near_exhaustion(db):
    last, maximum, type_ = rows(db, """SELECT last_value, max_value, data_type::text FROM pg_sequences
                                        WHERE schemaname = 'public' AND sequencename = 'audit_log_id_seq'""")[0]
    assert type_ == "integer" and maximum == 2**31 - 1
    assert last / maximum > 0.9


def test_table_without_primary_key(db):
    no_pk = [r[0] for r in rows(db, """
        SELECT c.relname FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')""")]
    assert no_pk == ["audit_log"]


def column_type(db, table, column):
    return value(db, """SELECT format_type(atttypid, atttypmod) FROM pg_attribute
                         WHERE attrelid = %s::regclass AND attname = %s""", (table, column))


def test_data_type_problems(db):
    assert column_type(db, "public.clients", "legacy_client_id") == "text"
    assert value(db, r"SELECT bool_and(legacy_client_id ~ '^\d+$') FROM clients")
    assert column_type(db, "public.dead_letter_queue", "entity_id") == "text"
    assert value(db, "SELECT bool_and(entity_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-') FROM dead_letter_queue")
    assert column_type(db, "public.clients", "last_contacted") == "text"
    assert value(db, r"SELECT bool_and(last_contacted ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d') FROM clients")
    assert column_type(db, "public.invoices", "due_date") == "timestamp without time zone"
    assert column_type(db, "public.payments", "amount") == "double precision"
    assert column_type(db, "public.invoices", "amount_cents") == "integer"


def test_status_columns_with_and_without_check(db):
    def has_check(table, column):
        return value(db, """
            SELECT count(*) > 0 FROM pg_constraint k JOIN pg_attribute a
                ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
             WHERE k.contype = 'c' AND k.conrelid = %s::regclass AND a.attname = %s""", (table, column))

    assert not has_check("public.leads", "status")
    assert not has_check("public.dead_letter_queue", "status")
    assert has_check("public.clients", "status")
    assert has_check("public.invoices", "status")


# -- statements -----------------------------------------------------------------------------------------
def test_query_anti_patterns_in_pg_stat_statements(db):
    assert one_statement(db, r"SELECT c\.id, c\.name,\s+\(SELECT count\(\*\) FROM leads l "
                             r"WHERE l\.converted_client_id = c\.id\)")["calls"] >= 1
    assert one_statement(db, r"status = \$\d+ OR status = \$\d+ OR status = \$\d+")["calls"] >= 1
    assert one_statement(db, r"^\s*SELECT DISTINCT ")["calls"] >= 1
    assert len(statements(db, r"COUNT\(\*\)\s*(\)\s*)?>\s*\$\d+")) >= 2
    deep = one_statement(db, r"ORDER BY created_at DESC LIMIT \$\d+ OFFSET \$\d+")
    assert deep["rows"] == 50 * deep["calls"]
    assert one_statement(db, r"^SELECT \* FROM clients")["calls"] >= 1


def test_sort_spills_to_disk(db):
    spill = one_statement(db, r"row_number\(\) OVER \(PARTITION BY company")
    assert spill["temp_blks_written"] > 0
    plan = "\n".join(r[0] for r in rows(db, """EXPLAIN (ANALYZE, COSTS OFF)
        SELECT company, email, name, created_at
          FROM (SELECT company, email, name, created_at,
                       row_number() OVER (PARTITION BY company ORDER BY created_at DESC) AS rn
                  FROM leads) AS ranked
         WHERE rn = 1"""))
    assert "Sort Method: external merge" in plan


def test_some_statement_is_slow(db):
    slow = value(db, "SELECT count(*) FROM pg_stat_statements WHERE mean_exec_time > 100 AND query !~* '^refresh'")
    assert slow >= 1


def test_ordinary_traffic_for_the_performance_targets(db):
    for target, pattern in TARGET_STATEMENTS.items():
        assert statements(db, pattern), f"no statement for target {target}"
    batch = one_statement(db, TARGET_STATEMENTS["batch_insert_100"])
    assert batch["rows"] == 100 * batch["calls"]
    assert one_statement(db, TARGET_STATEMENTS["pk_select"])["calls"] >= 50


# -- the answer key matches the database ------------------------------------------------------------------
def test_every_planted_statement_and_object_exists(db):
    assert len(PLANTED) >= 18
    for planted in PLANTED.values():
        assert planted.id and planted.problem and planted.guide
        for pattern in planted.statements:
            assert statements(db, pattern), f"{planted.id}: nothing in pg_stat_statements matches {pattern!r}"
        for name in planted.objects:
            assert object_exists(db, name), f"{planted.id}: {name} does not exist"


def object_exists(db, name: str) -> bool:
    """schema.relation, schema.constraint or schema.table.column."""
    parts = name.split(".")
    if len(parts) == 3:
        return value(db, """SELECT count(*) > 0 FROM pg_attribute
                             WHERE attrelid = to_regclass(%s) AND attname = %s AND NOT attisdropped""",
                     (f"{parts[0]}.{parts[1]}", parts[2]))
    return value(db, """SELECT to_regclass(%(name)s) IS NOT NULL
                            OR EXISTS (SELECT 1 FROM pg_constraint
                                        WHERE connamespace = %(schema)s::regnamespace AND conname = %(rel)s)""",
                 {"name": name, "schema": parts[0], "rel": parts[1]})


def test_concurrent_loads_wait_for_each_other(demo, db):
    # While another session holds the load lock, load_schema must wait rather than start loading.
    import threading

    with psycopg.connect(demo["conninfo"], autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(hashtext('pgpulse_demo.load'))")
        loader = threading.Thread(target=load_schema, args=(demo["conninfo"],))
        loader.start()
        waiting = False
        for _ in range(300):
            waiting = value(holder, """SELECT count(*) > 0 FROM pg_stat_activity
                                      WHERE application_name = 'pgpulse-demo-load'
                                        AND wait_event_type = 'Lock' AND wait_event = 'advisory'""")
            if waiting or not loader.is_alive():
                break
            time.sleep(0.1)
        holder.execute("SELECT pg_advisory_unlock(hashtext('pgpulse_demo.load'))")
    loader.join(timeout=60)
    assert waiting and not loader.is_alive()
    assert value(db, "SELECT count(*) FROM pgpulse_demo.meta") == 1
