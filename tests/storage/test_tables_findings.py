"""Every planted schema, index and table problem of the demo is a Finding naming the right object,
with the exact action SQL where the fix is an action (the demo is read-only here: nothing runs)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lib.checks import run_checks
from lib.core.findings import CheckContext, Severity
from lib.demo.planted import PLANTED
from tests.conftest import make_db

REPO = Path(__file__).resolve().parents[2]
PREFIXES = ["tables.", "indexes.", "schema.", "cache."]

# planted id -> [(check id, finding object, exact action SQL or None when no action fixes it)]
EXPECTED = {
    # the test servers' statistics are minutes old: too young to offer dropping an unscanned index
    "unused_index": [("indexes.unused", "public.leads_utm_campaign_idx", None)],
    "function_on_indexed_column": [("indexes.unused", "public.clients_email_idx", None)],
    "duplicate_index": [
        ("indexes.redundant", "public.invoices_client_id_idx", 'DROP INDEX CONCURRENTLY "public"."invoices_client_id_idx"'),
        ("indexes.redundant", "public.idx_invoices_client_id", 'DROP INDEX CONCURRENTLY "public"."idx_invoices_client_id"'),
    ],
    "fk_without_index": [
        ("indexes.fk_missing", "public.payments_invoice_id_fkey",
         'CREATE INDEX CONCURRENTLY "payments_invoice_id_idx" ON "public"."payments" ("invoice_id")'),
        ("indexes.fk_missing", "public.leads_converted_client_id_fkey",
         'CREATE INDEX CONCURRENTLY "leads_converted_client_id_idx" ON "public"."leads" ("converted_client_id")'),
    ],
    "dead_tuples": [("tables.dead_tuples", "public.dead_letter_queue", 'VACUUM (ANALYZE) "public"."dead_letter_queue"')],
    "autovacuum_disabled": [("tables.autovacuum_disabled", "public.dead_letter_queue",
                             'ALTER TABLE "public"."dead_letter_queue" RESET (autovacuum_enabled)')],
    "seq_scan_large_table": [("tables.seq_scans", "public.leads", None)],
    "text_ids": [("schema.text_ids", "public.clients.legacy_client_id", None),
                 ("schema.text_ids", "public.dead_letter_queue.entity_id", None)],
    "text_timestamps": [("schema.text_timestamps", "public.clients.last_contacted", None)],
    "timestamp_without_time_zone": [("schema.timestamp_without_tz", "public.invoices.due_date", None)],
    "money_as_float": [("schema.money_type", "public.payments.amount", None)],
    "status_without_check": [("schema.status_without_check", "public.leads.status", None),
                             ("schema.status_without_check", "public.dead_letter_queue.status", None),
                             ("schema.status_without_check", "public.clients.tier", None)],
    "sequence_near_max": [("schema.sequence_near_max", "public.audit_log_id_seq", None)],
    "no_primary_key": [("schema.no_primary_key", "public.audit_log", None)],
    "soft_delete_index_not_partial": [("schema.soft_delete_not_partial", "public.clients_created_at_idx", None)],
}


@pytest.fixture(scope="module")
def demo_findings(pg_servers, demo_urls):
    """One run of the table, index and schema checks on each server's demo database."""
    found = {}
    for name, url in demo_urls.items():
        db = make_db(url)
        try:
            found[name] = run_checks(CheckContext(db, db.thresholds), PREFIXES)
        finally:
            db.close()
    return found


@pytest.fixture()
def result(pg, pg_servers, demo_findings):
    return demo_findings[next(name for name, s in pg_servers.items() if s is pg)]


# Objects PLANTED lists as context rather than as the thing to fix: the index to keep, the column of a
# sequence, the column behind a table or index finding.
CONTEXT = {"public.invoices_client_id_status_idx", "public.audit_log.id", "public.clients.email",
           "public.leads.email", "public.clients.deleted_at"}


def test_the_answer_key_covers_planted_objects():
    """The expectations above name every object PLANTED lists for these problems (keeps them in step)."""
    for planted_id, expected in EXPECTED.items():
        named = {obj for _, obj, _ in expected} | CONTEXT
        missing = set(PLANTED[planted_id].objects) - named
        assert not missing, (planted_id, missing)


@pytest.mark.parametrize("planted_id", sorted(EXPECTED))
def test_planted_problem_is_a_finding(result, planted_id):
    assert not result.errors, result.errors
    for check_id, obj, sql in EXPECTED[planted_id]:
        matches = [f for f in result.findings if f.check == check_id and f.object == obj]
        assert len(matches) == 1, f"{planted_id}: no single {check_id} finding on {obj}"
        finding = matches[0]
        assert finding.severity >= Severity.INFO
        if sql is None:
            assert finding.action is None
        else:
            assert finding.action is not None and finding.action.sql == sql


def test_redundant_indexes_name_the_one_to_keep(result):
    redundant = {f.object: f for f in result.findings if f.check == "indexes.redundant"}
    assert set(redundant) == {"public.invoices_client_id_idx", "public.idx_invoices_client_id"}
    for finding in redundant.values():
        assert finding.evidence["keep"] == "public.invoices_client_id_status_idx"
    twins = {redundant["public.invoices_client_id_idx"].evidence["same_definition_as"],
             redundant["public.idx_invoices_client_id"].evidence["same_definition_as"]}
    assert twins == {"public.idx_invoices_client_id", "public.invoices_client_id_idx"}


def test_sequence_finding_names_its_column(result):
    finding = next(f for f in result.findings if f.check == "schema.sequence_near_max")
    assert finding.evidence["column"] == "public.audit_log.id"
    assert 0.94 < finding.evidence["used_ratio"] < 0.96
    assert finding.severity == Severity.WARNING


def test_what_follows_the_guide_is_not_reported(result):
    objects = {(f.check, f.object) for f in result.findings}
    # clients.status and invoices.status have a CHECK; the PK and unique indexes are never "unused".
    assert ("schema.status_without_check", "public.clients.status") not in objects
    assert ("schema.status_without_check", "public.invoices.status") not in objects
    unused = {f.object for f in result.findings if f.check == "indexes.unused"}
    assert "public.invoices_number_key" not in unused and "public.payments_pkey" not in unused
    assert ("schema.no_primary_key", "public.clients") not in objects
    # a freshly loaded table is not bloated; pg_catalog is never audited
    assert not [f for f in result.findings if f.check == "tables.bloat" and f.object == "public.clients"]
    assert not [f for f in result.findings if f.object.startswith("pg_catalog.")]


def test_young_statistics_make_unused_indexes_info_not_warning(result):
    unused = [f for f in result.findings if f.check == "indexes.unused"]
    assert unused and all(f.severity == Severity.INFO for f in unused)  # the test server started minutes ago
    assert all(f.evidence["stats_age_days"] < 1 for f in unused)


def test_cli_json_lists_the_findings_with_their_actions(demo_url):
    done = subprocess.run([sys.executable, "-m", "lib", "check", "--dsn", demo_url, "--json", "--only", "indexes."],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    by_object = {f["object"]: f for f in report["findings"] if f["check"] == "indexes.fk_missing"}
    assert by_object["public.payments_invoice_id_fkey"]["action"]["sql"] == \
        'CREATE INDEX CONCURRENTLY "payments_invoice_id_idx" ON "public"."payments" ("invoice_id")'
    assert by_object["public.payments_invoice_id_fkey"]["action"]["kind"] == "create_index"
