"""Hostile statements given to EXPLAIN, on real servers (PostgreSQL 15 and 18): each is refused
before anything is sent, or runs and leaves no trace.

"No trace" is checked from a separate observer session: the table's rows, the sequences, a
fingerprint of the schema (relations, columns, functions, roles, databases, settings), the
pg_stat_statements entries, advisory locks of any session, a victim session that a statement
tries to terminate, and that no pgpulse session is left open or idle in a transaction.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from lib.core.config import DatabaseConfig, Thresholds
from lib.core.db import Database
from lib.core.errors import DatabaseUnavailable
from lib.core.pgserver import free_port
from lib.explain.errors import ExplainFailed, ExplainRefused
from lib.explain.options import ExplainOptions
from lib.explain.run import run_explain
from tests import servers

PWNED = Path(f"/tmp/pgpulse-hostile-{uuid.uuid4().hex}")
SETUP = """
CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, qty int NOT NULL);
INSERT INTO items (name, qty) SELECT 'item ' || i, i FROM generate_series(1, 50) i;
CREATE SEQUENCE counter START 100;
SELECT nextval('counter');
CREATE FUNCTION bump() RETURNS int LANGUAGE sql AS 'UPDATE items SET qty = qty + 1 RETURNING 1';
CREATE PROCEDURE wipe() LANGUAGE sql AS 'DELETE FROM items';
ANALYZE items;
SELECT 4242 AS hostile_marker;
"""
FINGERPRINT = """
SELECT
    (SELECT count(*) FROM items) AS row_count,
    (SELECT md5(string_agg(id || ':' || name || ':' || qty, ',' ORDER BY id)) FROM items) AS data,
    (SELECT last_value || '/' || is_called FROM counter) AS counter,
    (SELECT last_value || '/' || is_called FROM items_id_seq) AS items_seq,
    (SELECT md5(string_agg(n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' || coalesce(a.attname, '')
                           || ':' || coalesce(a.atttypid::text, '') || ':' || coalesce(a.attnotnull::text, ''),
                           ',' ORDER BY n.nspname, c.relname, a.attnum))
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')) AS schema_md5,
    (SELECT md5(string_agg(p.proname || ':' || p.prokind::text, ',' ORDER BY p.proname))
       FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace) AS functions,
    (SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles) AS roles,
    (SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database) AS databases,
    (SELECT count(*) FROM pg_db_role_setting) AS stored_settings,
    (SELECT count(*) FROM pg_largeobject_metadata) AS large_objects,
    (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory') AS advisory_locks,
    (SELECT count(*) FROM pg_prepared_xacts) AS prepared_xacts,
    (SELECT count(*) > 0 FROM pg_stat_statements WHERE query LIKE '%%hostile_marker%%') AS pgss_kept,
    (SELECT count(*) FROM pg_stat_activity WHERE pid = %(victim)s) AS victim_alive,
    (SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgpulse' AND datname = current_database())
        AS pgpulse_sessions
"""


@dataclass
class Target:
    url: str
    db: Database
    observer: psycopg.Connection
    victim: psycopg.Connection
    version: int
    baseline: dict = field(default_factory=dict)

    def fingerprint(self) -> dict:
        return self.observer.execute(FINGERPRINT, {"victim": self.victim.info.backend_pid}).fetchone()

    def settled(self) -> dict:
        """The fingerprint once closed pgpulse sessions are gone. A closed session leaves
        pg_stat_activity and releases its session locks a moment after the client closes, and not
        necessarily in that order: wait (10 s at most) for the baseline before reporting a difference."""
        deadline = time.monotonic() + 10
        while True:
            found = self.fingerprint()
            if found == self.baseline or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


@pytest.fixture(scope="module")
def target(pg) -> Target:
    url = servers.create_database(pg, prefix="hostile")
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in SETUP.strip().split(";\n"):
            conn.execute(statement)
    observer = psycopg.connect(url, autocommit=True, application_name="hostile-observer",
                               row_factory=psycopg.rows.dict_row)
    victim = psycopg.connect(url, autocommit=True, application_name="hostile-victim")
    db = Database(DatabaseConfig(name="hostile", conninfo=url, source="test"), Thresholds())
    found = Target(url, db, observer, victim, observer.info.server_version)
    found.baseline = found.fingerprint()
    assert found.baseline["row_count"] == 50 and found.baseline["counter"] == "100/true"
    assert found.baseline["pgss_kept"] and found.baseline["victim_alive"] == 1
    yield found
    db.close()
    victim.close()
    observer.close()


A = {"analyze": True}
PLAN = {"analyze": False}
CONFIRMED = {"analyze": True, "confirmed": True}
WRITES = {"analyze": True, "allow_writes": True}

# (id, statement, options, params, expected outcome)
CASES = [
    ("multi-select-delete", "SELECT 1; DELETE FROM items", A, None, "refused"),
    ("multi-delete-select", "DELETE FROM items; SELECT 1", A, None, "refused"),
    ("multi-select-commit", "SELECT * FROM items; COMMIT", A, None, "refused"),
    ("multi-commit-delete", "COMMIT; DELETE FROM items", WRITES, None, "refused"),
    ("semicolon-in-string", "SELECT 'a;DELETE FROM items' AS s", A, None, "ran"),
    ("semicolon-in-line-comment", "SELECT 1 -- ; DELETE FROM items", A, None, "ran"),
    ("semicolon-in-block-comment", "SELECT 1 /* ; DROP TABLE items; */", A, None, "ran"),
    ("semicolon-in-dollar-quotes", "SELECT $x$;DELETE FROM items;$x$ AS body", A, None, "ran"),
    ("delete-without-allow", "DELETE FROM items", A, None, "needs_writes"),
    ("delete-allowed", "DELETE FROM items", WRITES, None, "ran"),
    ("delete-plan-only", "DELETE FROM items", PLAN, None, "ran"),
    ("update-without-allow", "UPDATE items SET qty = qty + 1", A, None, "needs_writes"),
    ("update-allowed", "UPDATE items SET qty = qty + 1", WRITES, None, "ran"),
    ("insert-without-allow", "INSERT INTO items (id, name, qty) VALUES (1000, 'x', 1)", A, None, "needs_writes"),
    ("insert-allowed", "INSERT INTO items (id, name, qty) VALUES (1000, 'x', 1)", WRITES, None, "ran"),
    ("merge-allowed", "MERGE INTO items t USING (SELECT 1 AS id) s ON t.id = s.id WHEN MATCHED THEN DELETE",
     WRITES, None, "ran"),
    ("cte-delete-without-allow", "WITH d AS (DELETE FROM items RETURNING id) SELECT count(*) FROM d", A, None,
     "needs_writes"),
    ("cte-delete-allowed", "WITH d AS (DELETE FROM items RETURNING id) SELECT count(*) FROM d", WRITES, None,
     "ran"),
    ("for-update-without-allow", "SELECT * FROM items WHERE id < 5 FOR UPDATE", A, None, "needs_writes"),
    ("for-update-allowed", "SELECT * FROM items WHERE id < 5 FOR UPDATE", WRITES, None, "ran"),
    ("nextval", "SELECT nextval('counter')", A, None, "needs_confirmation"),
    ("nextval-plan-only", "SELECT nextval('counter')", PLAN, None, "ran"),
    ("setval", "SELECT setval('counter', 1)", A, None, "needs_confirmation"),
    ("pgss-reset", "SELECT pg_stat_statements_reset()", A, None, "needs_confirmation"),
    ("pgss-reset-plan-only", "SELECT pg_stat_statements_reset()", PLAN, None, "ran"),
    ("stat-reset", "SELECT pg_stat_reset()", A, None, "needs_confirmation"),
    ("terminate", "SELECT pg_terminate_backend({victim})", A, None, "needs_confirmation"),
    ("terminate-plan-only", "SELECT pg_terminate_backend({victim})", PLAN, None, "ran"),
    ("cancel", "SELECT pg_cancel_backend({victim})", A, None, "needs_confirmation"),
    ("reload-conf", "SELECT pg_reload_conf()", A, None, "needs_confirmation"),
    ("set-config-session", "SELECT set_config('work_mem', '1GB', false)", A, None, "needs_confirmation"),
    ("set-config-session-confirmed", "SELECT set_config('work_mem', '1GB', false)", CONFIRMED, None, "ran"),
    ("set-config-role-confirmed", "SELECT set_config('role', 'pg_monitor', false)", CONFIRMED, None, "ran"),
    ("set-config-read-write", "SELECT set_config('transaction_read_only', 'off', true)", A, None, "failed"),
    ("advisory-lock", "SELECT pg_advisory_lock(42)", A, None, "needs_confirmation"),
    ("advisory-lock-confirmed", "SELECT pg_advisory_lock(42)", CONFIRMED, None, "ran"),
    ("lo-import", "SELECT lo_import('/etc/hostname')", A, None, "needs_confirmation"),
    ("dblink", "SELECT dblink_exec('dbname=postgres', 'DROP TABLE items')", A, None, "needs_confirmation"),
    ("copy-program", f"COPY items TO PROGRAM 'touch {PWNED}'", A, None, "refused"),
    ("copy-to-stdout", "COPY items TO STDOUT", A, None, "refused"),
    ("do-block", "DO $$BEGIN DELETE FROM items; END$$", WRITES, None, "refused"),
    ("set-role", "SET ROLE pg_monitor", A, None, "refused"),
    ("set-session-authorization", "SET SESSION AUTHORIZATION postgres", A, None, "refused"),
    ("reset-role", "RESET ROLE", A, None, "refused"),
    ("set-local", "SET LOCAL work_mem = '1GB'", A, None, "refused"),
    ("discard-all", "DISCARD ALL", A, None, "refused"),
    ("begin", "BEGIN", A, None, "refused"),
    ("start-transaction", "START TRANSACTION READ WRITE", A, None, "refused"),
    ("commit", "COMMIT", A, None, "refused"),
    ("commit-and-chain", "COMMIT AND CHAIN", A, None, "refused"),
    ("rollback", "ROLLBACK", A, None, "refused"),
    ("savepoint", "SAVEPOINT s", A, None, "refused"),
    ("create-table", "CREATE TABLE evil (id int)", WRITES, None, "refused"),
    ("create-table-as", "CREATE TABLE evil AS SELECT * FROM items", WRITES, None, "refused"),
    ("create-temp-table", "CREATE TEMP TABLE evil AS SELECT 1", A, None, "refused"),
    ("create-index", "CREATE INDEX ON items (qty)", WRITES, None, "refused"),
    ("drop-table", "DROP TABLE items", WRITES, None, "refused"),
    ("alter-table", "ALTER TABLE items ADD COLUMN evil int", WRITES, None, "refused"),
    ("truncate", "TRUNCATE items", WRITES, None, "refused"),
    ("grant", "GRANT ALL ON items TO PUBLIC", WRITES, None, "refused"),
    ("select-into", "SELECT * INTO evil FROM items", WRITES, None, "refused"),
    ("vacuum", "VACUUM items", A, None, "refused"),
    ("analyze-table", "ANALYZE items", A, None, "refused"),
    ("explain-inside", "EXPLAIN ANALYZE DELETE FROM items", WRITES, None, "refused"),
    ("prepare", "PREPARE p AS DELETE FROM items", WRITES, None, "refused"),
    ("execute", "EXECUTE p", WRITES, None, "refused"),
    ("deallocate", "DEALLOCATE ALL", A, None, "refused"),
    ("call", "CALL wipe()", WRITES, None, "refused"),
    ("listen", "LISTEN channel", A, None, "refused"),
    ("notify", "NOTIFY channel, 'x'", A, None, "refused"),
    ("unlisten", "UNLISTEN *", A, None, "refused"),
    ("lock-table", "LOCK TABLE items IN ACCESS EXCLUSIVE MODE", WRITES, None, "refused"),
    ("sleep-past-timeout", "SELECT pg_sleep(60)", {"analyze": True, "timeout_ms": 1000}, None, "failed"),
    ("invalid-sql", "SELEC * FROM items", A, None, "refused"),
    ("truncated-sql", "SELECT * FROM items WHERE name = 'abc", A, None, "refused"),
    ("empty", "  -- nothing here\n", A, None, "refused"),
    ("function-that-writes", "SELECT bump()", A, None, "failed"),
    ("placeholders-without-values", "SELECT * FROM items WHERE id = $1", A, None, "needs_values"),
    ("placeholders-with-values", "SELECT * FROM items WHERE id = $1 AND qty > $2", A, ("5", "0"), "ran"),
    ("value-is-not-sql", "SELECT * FROM items WHERE name = $1", A, ("x'; DROP TABLE items; --",), "ran"),
]


def options_for(case_options: dict) -> ExplainOptions:
    return ExplainOptions(**case_options)


def attempt(target: Target, text: str, options: ExplainOptions, params) -> tuple[str, object]:
    try:
        return "ran", run_explain(target.db, text, options, params)
    except ExplainRefused as exc:
        return exc.kind, exc
    except ExplainFailed as exc:
        return "failed", exc


@pytest.mark.parametrize(("case", "text", "opts", "params", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hostile_statement_is_refused_or_leaves_no_trace(target, case, text, opts, params, expected):
    text = text.replace("{victim}", str(target.victim.info.backend_pid))
    if case == "merge-allowed" and target.version < 150000:
        pytest.skip("MERGE needs PostgreSQL 15")
    outcome, result = attempt(target, text, options_for(opts), params)
    assert outcome == expected, result
    after = target.settled()
    assert after == target.baseline, {k: (target.baseline[k], v) for k, v in after.items() if target.baseline[k] != v}
    if outcome == "ran":
        assert result.plan.nodes, "a plan came back"
        assert result.read_only == (not opts.get("allow_writes") or not opts.get("analyze"))
        if case == "advisory-lock-confirmed":
            assert any("advisory locks held: 0 before, 1 after" in c for c in result.session_changes)
        else:
            assert result.session_changes == [], result.session_changes
    assert not PWNED.exists()


def test_suite_is_big_enough():
    assert len(CASES) >= 30
    assert {c[4] for c in CASES} == {"refused", "needs_writes", "needs_confirmation", "needs_values", "ran", "failed"}


UNREACHABLE = Database(DatabaseConfig(name="nowhere", conninfo=f"postgresql://nobody@127.0.0.1:{free_port()}/x",
                                      source="test"), Thresholds())


@pytest.mark.parametrize(("case", "text", "opts", "params", "expected"),
                         [c for c in CASES if c[4] not in ("ran", "failed")], ids=lambda v: v if isinstance(v, str) else "")
def test_refusals_come_before_any_connection(case, text, opts, params, expected):
    """Against a server that is not there: a refusal that needed the server would fail to connect instead."""
    with pytest.raises(ExplainRefused) as refused:
        run_explain(UNREACHABLE, text.replace("{victim}", "1"), options_for(opts), params)
    assert refused.value.kind == expected
    assert refused.value.reasons and all(r.strip() for r in refused.value.reasons)
    with pytest.raises(DatabaseUnavailable):  # ...and that server really cannot be reached
        run_explain(UNREACHABLE, "SELECT 1")


def test_allowed_delete_really_ran_and_was_rolled_back(target):
    result = run_explain(target.db, "DELETE FROM items WHERE qty <= 20", ExplainOptions(analyze=True, allow_writes=True))
    scan = result.plan.nodes[-1]
    assert scan.relation == "items" and scan.actual_rows == 20  # the rows were really deleted, in the transaction
    assert not result.read_only
    assert target.settled() == target.baseline


def test_sleep_is_cancelled_at_the_timeout_and_nothing_keeps_running(target):
    with pytest.raises(ExplainFailed) as failed:
        run_explain(target.db, "SELECT pg_sleep(60)", ExplainOptions(analyze=True, timeout_ms=1000))
    assert failed.value.problem.title == "Statement timeout"  # cancelled by the server, not finished
    assert "longer than 1 s" in str(failed.value)
    sleeping = target.observer.execute("SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE '%%pg_sleep(60)%%' "
                                       "AND pid <> pg_backend_pid() AND state = 'active'").fetchone()["n"]
    assert sleeping == 0
    assert target.settled() == target.baseline
