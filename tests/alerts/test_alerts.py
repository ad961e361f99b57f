"""Alerts over real sockets: a webhook receiver and an SMTP server on loopback, a real database, the store."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lib.alerts import channels, engine
from lib.alerts import config as alerts_config
from lib.core.config import ConfigError
from lib.core.store import open_store
from tests.conftest import REPO, make_db
from tests.lockscene import Session, wait_until
from tests.receivers import SmtpReceiver, WebhookReceiver

OFF = {"database_size": False, "slow_statements": False, "critical_findings": False, "active_connections": False}


@pytest.fixture()
def hook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture()
def smtp():
    receiver = SmtpReceiver()
    yield receiver
    receiver.close()


@pytest.fixture()
def store(tmp_path):
    s = open_store(tmp_path / "alerts.db")
    yield s
    s.close()


@pytest.fixture()
def fresh_db(fresh_url):
    """A database on a 400 MB plan: the size rule needs a limit (a self-hosted server has none)."""
    db = make_db(fresh_url, plan_limit_mb=400)
    yield db
    db.close()


def rules(**on) -> dict:
    return {**OFF, **on}


def active_now(db) -> int:
    return db.one("alert_connections")["active"]


def test_a_breach_is_sent_once_repeated_after_the_interval_and_its_recovery_too(fresh_url, hook, store):
    config = alerts_config.parse({"rules": rules(active_connections={"threshold": 1}), "repeat_minutes": 10,
                                  "webhook": {"url": hook.url, "attempts": 1}})
    db = make_db(fresh_url)
    sleepers = [Session(fresh_url, f"busy-{i}").start("SELECT pg_sleep(60)") for i in range(2)]
    try:
        wait_until(lambda: active_now(db) >= 2, what="two active sessions")
        first = engine.run_once(db, config, store, now=1000.0)
        assert [n.kind for n in first.notifications] == ["breach"]
        assert len(hook.received) == 1
        body = hook.received[0]["json"]
        assert hook.received[0]["content_type"] == "application/json"
        assert "active connections" in body["text"] and body["content"] == body["text"]  # Slack and Discord
        assert body["pgpulse"]["rule"] == "active_connections" and body["pgpulse"]["kind"] == "breach"
        assert body["pgpulse"]["value"] >= 2 and body["pgpulse"]["threshold"] == 1

        assert engine.run_once(db, config, store, now=1060.0).notifications == []  # within the interval
        assert len(hook.received) == 1
        again = engine.run_once(db, config, store, now=1000.0 + 601)
        assert [n.kind for n in again.notifications] == ["repeat"] and len(hook.received) == 2

        for s in sleepers:
            s.close()
        wait_until(lambda: active_now(db) < 2, what="the sessions to end")
        recovered = engine.run_once(db, config, store, now=1700.0)
        assert [n.kind for n in recovered.notifications] == ["recovery"]
        assert hook.received[2]["json"]["pgpulse"]["kind"] == "recovery"
        assert "RESOLVED" in hook.received[2]["json"]["text"]
        assert engine.run_once(db, config, store, now=1800.0).notifications == []
        assert len(hook.received) == 3

        history = engine.history(store, engine.database_key(db))
        assert [(h["kind"], h["outcome"], h["channel"]) for h in reversed(history)] == [
            ("breach", "sent", "webhook"), ("repeat", "sent", "webhook"), ("recovery", "sent", "webhook")]
        assert [s["status"] for s in engine.state(store, engine.database_key(db))] == ["resolved"]
    finally:
        for s in sleepers:
            s.close()
        db.close()


def size_breach_config(hook, **webhook) -> alerts_config.AlertConfig:
    # Any database is bigger than 0% of its plan: a breach every time, cheaply.
    return alerts_config.parse({"rules": rules(database_size={"threshold": 0}),
                                "webhook": {"url": hook.url, "backoff_s": 0.01, **webhook}})


def test_webhook_500_is_retried_then_recorded_and_tried_again_next_time(fresh_db, hook, store):
    hook.answers = [500, 500, 500]
    result = engine.run_once(fresh_db, size_breach_config(hook, attempts=3), store, now=1.0)
    (failure,) = result.failures
    assert failure.attempts == 3 and len(hook.received) == 3
    assert "HTTP 500" in failure.detail and "3 attempts" in failure.detail
    assert "secret-token" not in failure.detail  # the webhook's path is a secret
    (row,) = engine.history(store, engine.database_key(fresh_db))
    assert (row["outcome"], row["attempts"], row["kind"]) == ("failed", 3, "breach")
    assert engine.state(store, engine.database_key(fresh_db)) == []  # not notified: not marked as such
    retried = engine.run_once(fresh_db, size_breach_config(hook, attempts=3), store, now=2.0)
    assert [n.kind for n in retried.notifications] == ["breach"] and not retried.failures
    assert len(hook.received) == 4


def test_webhook_that_times_out_is_retried_and_never_hangs(fresh_db, hook, store):
    hook.delay_s = 1.5
    result = engine.run_once(fresh_db, size_breach_config(hook, attempts=2, timeout_s=0.3), store)
    (failure,) = result.failures
    assert failure.attempts == 2 and "did not answer within 0.3 s" in failure.detail


def test_webhook_4xx_is_not_retried(hook):
    hook.answers = [404]
    delivery = channels.post_webhook(alerts_config.Webhook(hook.url, attempts=3, backoff_s=0.01),
                                     channels.Message("subject", "text", {}))
    assert not delivery.ok and delivery.attempts == 1 and "HTTP 404" in delivery.detail
    assert len(hook.received) == 1


def email_config(smtp, password: str) -> alerts_config.AlertConfig:
    return alerts_config.parse({"email": {"host": "127.0.0.1", "port": smtp.port, "tls": "none",
                                          "username": "alerts", "password": password,
                                          "from": "pgpulse@example.test", "to": ["dba@example.test"],
                                          "backoff_s": 0.01}})


def test_test_alert_by_email(smtp, store):
    notification = engine.send_test(email_config(smtp, "right-password"), store, "db1")
    assert [d.ok for d in notification.deliveries] == [True]
    (mail,) = smtp.messages
    assert mail["Subject"].startswith("[pgpulse] TEST db1") and mail["To"] == "dba@example.test"
    assert "this channel works" in mail.get_payload()
    assert engine.history(store, "db1")[0]["outcome"] == "sent"


def test_wrong_smtp_credentials_are_a_clear_message(smtp, store):
    notification = engine.send_test(email_config(smtp, "wrong-password-42"), store, "db1")
    (delivery,) = notification.deliveries
    assert not delivery.ok and delivery.attempts == 1 and smtp.auth_failures == 1  # not retried
    assert "refused the user name or password" in delivery.detail and "535" in delivery.detail
    assert "wrong-password-42" not in delivery.detail
    assert smtp.messages == []


def test_dry_run_sends_nothing_and_keeps_the_state(fresh_db, hook, store):
    result = engine.run_once(fresh_db, size_breach_config(hook), store, dry_run=True)
    assert [n.kind for n in result.notifications] == ["breach"]
    assert hook.received == [] and engine.history(store, engine.database_key(fresh_db)) == []


def test_switching_a_rule_off_resolves_it_quietly(fresh_db, hook, store):
    engine.run_once(fresh_db, size_breach_config(hook), store, now=1.0)
    off = alerts_config.parse({"rules": rules(), "webhook": {"url": hook.url}})
    assert engine.run_once(fresh_db, off, store, now=2.0).notifications == []
    assert [s["status"] for s in engine.state(store, engine.database_key(fresh_db))] == ["resolved"]
    assert len(hook.received) == 1


def test_slow_statements_and_critical_findings_rules(fresh_db, store):
    with fresh_db.connection() as conn:
        conn.execute("SELECT pg_sleep(0.05)")
    config = alerts_config.parse({"rules": rules(slow_statements={"threshold": 10}, critical_findings=True)})
    result = engine.run_once(fresh_db, config, store)
    slow = [b for b in result.evaluation.breaches if b.rule == "slow_statements"]
    assert any("pg_sleep" in b.message for b in slow), slow
    assert result.evaluation.evaluated == {"slow_statements", "critical_findings"}
    # no channel: recorded as not sent, and the state still moves (nobody could be told)
    assert {h["outcome"] for h in engine.history(store, engine.database_key(fresh_db))} == {"not sent"}


def test_size_rule_needs_a_plan_limit(fresh_url, store):
    # A self-hosted server has no plan: no size breach, and the rule says what to set.
    db = make_db(fresh_url)
    try:
        result = engine.run_once(db, alerts_config.parse({"rules": rules(database_size={"threshold": 0})}), store)
    finally:
        db.close()
    assert result.evaluation.breaches == []
    assert "plan_limit_mb" in result.evaluation.errors["database_size"]
    db = make_db(fresh_url, plan_limit_mb=400)
    try:
        planned = engine.run_once(db, alerts_config.parse({"rules": rules(database_size={"threshold": 0})}), store)
    finally:
        db.close()
    [breach] = planned.evaluation.breaches
    assert "400 MB plan" in breach.message and "[connections.test]" in breach.message


@pytest.mark.parametrize(("raw", "words"), [
    ({"rules": {"active_conections": {"threshold": 3}}}, "active_conections"),
    ({"email": {"host": "smtp.x", "to": "a@b", "tls": "startls"}}, "tls must be one of"),
    ({"webhook": {"url": "hooks.slack.com/x"}}, "http:// or https://"),
    ({"rules": {"slow_statements": {"threshold": "fast"}}}, "must be a number"),
    ({"email": {"host": "smtp.x"}}, "needs host and to"),
])
def test_configuration_mistakes_are_named(raw, words):
    with pytest.raises(ConfigError, match=words):
        alerts_config.parse(raw)


def test_defaults_come_from_the_thresholds():
    from lib.core.config import Thresholds

    config = alerts_config.parse({"rules": {"slow_statements": False}})
    assert config.rules["active_connections"].value(Thresholds()) == 50
    assert config.rules["database_size"].value(Thresholds()) == 0.8
    assert not config.rules["slow_statements"].enabled and config.channels == []


def alert_cli(secrets, *args):
    env = {**os.environ, "PGPULSE_SECRETS": str(secrets)}
    return subprocess.run([sys.executable, "-m", "lib", "alert", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env=env)


def test_cli_dry_run_then_once_then_no_storm(fresh_url, hook, tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[pgpulse.thresholds]\nplan_limit_mb = 400\n'
                       f'[pgpulse.alerts.rules]\ndatabase_size = {{ threshold = 0 }}\nslow_statements = false\n'
                       f'critical_findings = false\nactive_connections = false\n'
                       f'[pgpulse.alerts.webhook]\nurl = "{hook.url}"\n')
    dry = alert_cli(secrets, "--dsn", fresh_url, "--dry-run")
    assert dry.returncode == 1, dry.stderr
    assert "[breach] database_size" in dry.stdout and "would send" in dry.stdout and hook.received == []
    sent = alert_cli(secrets, "--dsn", fresh_url)
    assert sent.returncode == 1 and "webhook ok" in sent.stdout and len(hook.received) == 1
    again = alert_cli(secrets, "--dsn", fresh_url)
    assert again.returncode == 1 and "0 notifications" in again.stdout and len(hook.received) == 1


def test_cli_bad_configuration_is_one_line(tmp_path, fresh_url):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[pgpulse.alerts.email]\nhost = "smtp.example.com"\nto = "a@b"\ntls = "maybe"\n')
    done = alert_cli(secrets, "--dsn", fresh_url)
    assert done.returncode == 2 and done.stderr.strip().startswith("pgpulse: ") and "tls" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_apps_background_round_notifies_each_configured_database_once(fresh_url, hook, tmp_path):
    from lib.alerts import background
    from lib.core.config import load_settings

    secrets = {"connections": {"watched": {"url": fresh_url, "plan_limit_mb": 400}},
               "pgpulse": {"store_url": str(tmp_path / "bg.db"),
                           "alerts": {"rules": rules(database_size={"threshold": 0}), "databases": ["watched"],
                                      "webhook": {"url": hook.url}}}}
    settings = load_settings(secrets, environ={})
    config = alerts_config.from_settings(settings)
    databases: dict = {}
    try:
        background.evaluate_all(settings, config, databases)
        background.evaluate_all(settings, config, databases)  # the next round: nothing new to say
        assert len(hook.received) == 1 and hook.received[0]["json"]["pgpulse"]["database"] == "watched"
        assert background.last_round["watched"]["breaches"] == 1
        store = background.shared_store(settings.store_url)
        assert [h["kind"] for h in engine.history(store, "watched")] == ["breach"]
    finally:
        for db in databases.values():
            db.close()
