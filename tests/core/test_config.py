"""Configuration: secrets sections, DATABASE_URL, libpq environment, demo fallback, thresholds."""

from __future__ import annotations

import pytest

from lib.core.config import ConfigError, Thresholds, load_settings


def test_nothing_configured_gives_the_demo():
    settings = load_settings({}, {})
    assert [d.name for d in settings.databases] == ["demo"]
    assert settings.databases[0].embedded and settings.databases[0].actions_enabled


def test_secrets_sections_url_and_fields():
    secrets = {"connections": {
        "prod": {"url": "postgresql://app:s3cret@db.example.com:5432/app", "label": "Production"},
        "local": {"host": "localhost", "port": 5433, "database": "shop", "username": "me", "password": "pw",
                  "actions": True, "plan_limit_mb": 8000},
    }}
    settings = load_settings(secrets, {})
    prod, local = settings.databases
    assert prod.title == "Production" and not prod.actions_enabled and not prod.pooler
    assert "s3cret" not in prod.display and "s3cret" not in repr(prod)
    assert prod.display == "app@db.example.com:5432/app"
    assert local.actions_enabled and local.plan_limit_mb == 8000
    assert local.display == "me@localhost:5433/shop"
    assert "pw" not in local.display


@pytest.mark.parametrize("url", [
    "postgresql://u:p@aws-0-eu.pooler.supabase.com:6543/postgres",
    "postgresql://u:p@host:5432/db?pgbouncer=true",
])
def test_transaction_pooler_is_detected(url):
    db = load_settings({"connections": {"x": {"url": url}}}, {}).databases[0]
    assert db.pooler
    assert "pgbouncer" not in db.conninfo  # libpq would refuse the unknown parameter


def test_database_url_and_libpq_environment():
    env = load_settings({}, {"DATABASE_URL": "postgresql://a:b@h/d"}).databases
    assert [d.name for d in env] == ["env"] and env[0].source == "DATABASE_URL"
    libpq = load_settings({}, {"PGHOST": "db.internal"}).databases
    assert [d.name for d in libpq] == ["libpq"] and libpq[0].conninfo == ""


def test_bad_connection_string_is_a_sentence_without_the_password():
    with pytest.raises(ConfigError) as err:
        load_settings({}, {"DATABASE_URL": "postgresql://u:hunter2@h/d?sslmod=require"})
    assert "DATABASE_URL" in str(err.value) and "hunter2" not in str(err.value)
    with pytest.raises(ConfigError, match=r"\[connections.empty\]"):
        load_settings({"connections": {"empty": {"label": "x"}}}, {})


def test_thresholds_override_and_validation():
    settings = load_settings({"pgpulse": {"thresholds": {"slow_query_ms": 250, "max_active_connections": "20"}}}, {})
    assert settings.thresholds.slow_query_ms == 250.0
    assert settings.thresholds.max_active_connections == 20
    assert settings.thresholds.dead_tuple_ratio == Thresholds().dead_tuple_ratio
    with pytest.raises(ConfigError, match="slow_querry_ms"):
        load_settings({"pgpulse": {"thresholds": {"slow_querry_ms": 1}}}, {})
    with pytest.raises(ConfigError, match="must be a number"):
        load_settings({"pgpulse": {"thresholds": {"slow_query_ms": "fast"}}}, {})


def test_unknown_database_name_lists_the_configured_ones():
    settings = load_settings({}, {})
    with pytest.raises(ConfigError, match="configured: demo"):
        settings.database("prod")


def test_the_committed_secrets_example_is_valid():
    import tomllib

    from lib.core.config import PROJECT_DIR

    example = tomllib.loads((PROJECT_DIR / ".streamlit" / "secrets.toml.example").read_text())
    settings = load_settings(example, {})
    by_name = {d.name: d for d in settings.databases}
    assert set(by_name) == {"production", "supabase"}
    assert by_name["supabase"].pooler and not by_name["production"].pooler
    assert by_name["production"].plan_limit_mb == 8192
    assert "CHANGE-ME" not in by_name["supabase"].display
