"""database.size applies a plan limit only where one exists: configured, or a recognised Supabase project.
A self-hosted server is not "141% of its 400 MB plan"."""

from __future__ import annotations

from dataclasses import replace

import psycopg
import pytest

from lib.checks import run_checks
from lib.core.config import Thresholds
from lib.core.findings import CheckContext, Severity
from tests.conftest import make_db


def size_finding(db):
    run = run_checks(CheckContext(db, db.thresholds), ["database.size"])
    assert not run.errors, run.errors
    [finding] = run.findings
    return finding


def test_self_hosted_server_has_no_plan(fresh_url):
    db = make_db(fresh_url)
    try:
        finding = size_finding(db)
    finally:
        db.close()
    assert finding.severity == Severity.INFO
    assert "plan" not in finding.title and "%" not in finding.title
    assert "ratio" not in finding.evidence and finding.evidence["limit"] == "none configured"
    assert "plan_limit_mb" in finding.recommendation


def test_the_guide_checklist_does_not_score_a_plan_that_does_not_exist(fresh_url):
    from lib.guide import checklist

    db = make_db(fresh_url)
    try:
        run = run_checks(CheckContext(db, db.thresholds), ["database.size"])
        scores = {s.item.text: s for s in checklist.score(run, db.capabilities, db.config)}
    finally:
        db.close()
    size = scores["Database size under 80% of the plan"]
    assert size.status == checklist.UNMEASURABLE and "plan_limit_mb" in size.evidence


def test_a_configured_limit_applies_and_says_where_it_came_from(fresh_url):
    db = make_db(fresh_url, name="tiny", plan_limit_mb=1)  # any database is bigger than 1 MB
    try:
        finding = size_finding(db)
    finally:
        db.close()
    assert finding.severity == Severity.CRITICAL and finding.evidence["ratio"] > 1
    assert finding.evidence["limit_bytes"] == 1024 * 1024
    assert finding.evidence["limit_from"] == "plan_limit_mb in [connections.tiny]"
    assert finding.title.endswith("of its 1.0 MB plan")

    db = make_db(fresh_url)
    db.thresholds = replace(Thresholds(), plan_limit_mb=8000)
    try:
        finding = size_finding(db)
    finally:
        db.close()
    assert finding.severity == Severity.OK and finding.evidence["limit_from"] == "plan_limit_mb in [pgpulse.thresholds]"


@pytest.fixture()
def supabase_like(fresh_url, pg):
    """What a Supabase project has and a self-hosted server has not: its platform role, auth and storage."""
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA auth; CREATE SCHEMA storage")
        conn.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'supabase_admin') "
                     "THEN CREATE ROLE supabase_admin NOLOGIN; END IF; END $$")
    yield fresh_url
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS supabase_admin")


def test_a_supabase_project_gets_the_free_tier_limit(supabase_like):
    db = make_db(supabase_like)
    try:
        assert db.capabilities.supabase
        finding = size_finding(db)
    finally:
        db.close()
    assert finding.evidence["limit_bytes"] == 400 * 1024 * 1024
    assert "Supabase project detected" in finding.evidence["limit_from"]
    assert "of its 400 MB plan" in finding.title


def test_schemas_alone_are_not_supabase(fresh_url):
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA auth; CREATE SCHEMA storage")  # a self-hosted app may have these
    db = make_db(fresh_url)
    try:
        assert not db.capabilities.supabase
        assert size_finding(db).severity == Severity.INFO
    finally:
        db.close()
