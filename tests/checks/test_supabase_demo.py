"""The demo database as a Supabase project: every lint planted in lib/demo/supabase.sql is reported on
the objects the answer key names, on every test server, and the demo's own problems still are."""

from __future__ import annotations

import pytest

from lib.checks import run_checks
from lib.core.findings import CheckContext
from lib.demo.planted import SUPABASE_LINTS
from lib.supabase import api
from tests.conftest import make_db


@pytest.fixture()
def demo_lints(demo_url):
    db = make_db(demo_url)
    try:
        run = run_checks(CheckContext(db, db.thresholds), ["supabase"])
        shaped = api.read(db)
    finally:
        db.close()
    assert not run.errors, run.errors
    return run, shaped


def test_demo_is_supabase_shaped(demo_lints):
    _, shaped = demo_lints
    assert shaped.exposed == ("public", "graphql_public") and shaped.has_auth_users


def test_every_planted_lint_is_reported(demo_lints):
    run, _ = demo_lints
    reported: dict[str, set[str]] = {}
    for f in run.findings:
        reported.setdefault(f.supabase_lint, set()).add(f.object)
    for lint, objects in SUPABASE_LINTS.items():
        missing = set(objects) - reported.get(lint, set())
        assert not missing, f"{lint}: not reported for {missing}"
    # protected tables are not
    assert not {"public.clients", "public.invoices", "public.sms_optins"} & reported["rls_disabled_in_public"]
    assert "public.leads_by_month" not in reported["rls_disabled_in_public"]
