"""No alert storm: breaches compared with the state in the store decide what is sent.

Per database, rule and object: a new breach is notified once; while it goes on, again only after
`repeat_minutes`; when it clears (its rule ran and no longer reports it) the recovery is notified.
A notification whose every channel failed leaves the state as it was, so the next evaluation tries
again. Every attempt is written to alert_notifications, per channel.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from lib.alerts import channels
from lib.alerts.channels import Delivery, Message
from lib.alerts.config import AlertConfig
from lib.alerts.rules import Breach, Evaluation, evaluate
from lib.core.findings import Severity

KINDS = ("breach", "repeat", "recovery", "test")


@dataclass
class Notification:
    kind: str  # breach, repeat, recovery, test
    database: str
    rule: str
    object: str
    severity: str
    text: str
    value: float | None = None
    threshold: float | None = None
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def delivered(self) -> bool:
        """At least one channel took it (or there is no channel: nothing could be done)."""
        return not self.deliveries or any(d.ok for d in self.deliveries)

    def message(self) -> Message:
        label = {"breach": "ALERT", "repeat": "STILL FIRING", "recovery": "RESOLVED", "test": "TEST"}[self.kind]
        subject = f"[pgpulse] {label} {self.database}: {self.text}"
        data = {"kind": self.kind, "database": self.database, "rule": self.rule, "object": self.object,
                "severity": self.severity, "message": self.text, "value": self.value,
                "threshold": self.threshold, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        return Message(subject[:250], f"{self.text}\n\nrule: {self.rule} · object: {self.object} · "
                       f"database: {self.database}", data)


@dataclass
class RunResult:
    evaluation: Evaluation
    notifications: list[Notification]

    @property
    def failures(self) -> list[Delivery]:
        return [d for n in self.notifications for d in n.deliveries if not d.ok]


def database_key(db) -> str:
    """The name alerts are kept under: the configured name, or user@host:port/db for a --dsn."""
    return db.config.display if db.config.source == "--dsn" else db.config.name


def plan(store, database: str, evaluation: Evaluation, config: AlertConfig, now: float) -> list[Notification]:
    """What to notify, from what is wrong now and what was already said."""
    state = {(r["rule"], r["object"]): r for r in
             store.query("SELECT * FROM alert_state WHERE database = :db", {"db": database})}
    out = []
    for breach in evaluation.breaches:
        row = state.get((breach.rule, breach.object))
        if row is None or row["status"] == "resolved" or row["last_notified"] is None:
            kind = "breach"
        elif now - row["last_notified"] >= config.repeat_s:
            kind = "repeat"
        else:
            continue
        out.append(_from_breach(kind, database, breach))
    current = {(b.rule, b.object) for b in evaluation.breaches}
    for (rule, obj), row in state.items():
        if row["status"] == "firing" and (rule, obj) not in current and rule in evaluation.evaluated:
            out.append(Notification("recovery", database, rule, obj, Severity.OK.label,
                                    f"resolved: {row['message']}", row["value"], row["threshold"]))
    return out


def _from_breach(kind: str, database: str, breach: Breach) -> Notification:
    return Notification(kind, database, breach.rule, breach.object, breach.severity.label, breach.message,
                        breach.value, breach.threshold)


def record(store, notification: Notification, now: float) -> None:
    """Write the attempts to the history and move the state on when the notification got through."""
    for d in notification.deliveries or [Delivery("none", False, 0, "no channel configured")]:
        store.execute(
            "INSERT INTO alert_notifications (at, database, rule, object, kind, channel, outcome, attempts, detail, "
            "message) VALUES (:at, :db, :rule, :obj, :kind, :channel, :outcome, :attempts, :detail, :message)",
            {"at": now, "db": notification.database, "rule": notification.rule, "obj": notification.object,
             "kind": notification.kind, "channel": d.channel,
             "outcome": "sent" if d.ok else ("not sent" if d.channel == "none" else "failed"),
             "attempts": d.attempts, "detail": d.detail, "message": notification.text})
    if notification.kind == "test" or not notification.delivered:
        return
    key = {"db": notification.database, "rule": notification.rule, "obj": notification.object, "now": now}
    if notification.kind == "recovery":
        store.execute("UPDATE alert_state SET status = 'resolved', resolved_at = :now, last_notified = :now "
                      "WHERE database = :db AND rule = :rule AND object = :obj", key)
        return
    store.execute("DELETE FROM alert_state WHERE database = :db AND rule = :rule AND object = :obj "
                  "AND status = 'resolved'", key)
    store.execute(
        "INSERT INTO alert_state (database, rule, object, status, severity, message, value, threshold, first_seen, "
        "last_seen, last_notified) VALUES (:db, :rule, :obj, 'firing', :severity, :message, :value, :threshold, "
        ":now, :now, :now) ON CONFLICT (database, rule, object) DO UPDATE SET last_notified = :now, "
        "last_seen = :now, severity = :severity, message = :message, value = :value, threshold = :threshold",
        {**key, "severity": notification.severity, "message": notification.text, "value": notification.value,
         "threshold": notification.threshold})


def touch(store, database: str, evaluation: Evaluation, now: float) -> None:
    """Breaches that go on without a notification: keep their last_seen and numbers current."""
    for b in evaluation.breaches:
        store.execute("UPDATE alert_state SET last_seen = :now, message = :message, value = :value "
                      "WHERE database = :db AND rule = :rule AND object = :obj AND status = 'firing'",
                      {"now": now, "message": b.message, "value": b.value, "db": database, "rule": b.rule,
                       "obj": b.object})


def resolve_disabled(store, database: str, config: AlertConfig, now: float) -> None:
    """A rule switched off stops firing quietly: nobody asked to hear about it any more."""
    for name, rule in config.rules.items():
        if not rule.enabled:
            store.execute("UPDATE alert_state SET status = 'resolved', resolved_at = :now WHERE database = :db "
                          "AND rule = :rule AND status = 'firing'", {"now": now, "db": database, "rule": name})


def run_once(db, config: AlertConfig, store, dry_run: bool = False, now: float | None = None) -> RunResult:
    """Evaluate the rules on `db`, notify what is new, resolved or due again, and keep the state."""
    now = time.time() if now is None else now
    evaluation = evaluate(db, config)
    database = database_key(db)
    notifications = plan(store, database, evaluation, config, now)
    if dry_run:
        return RunResult(evaluation, notifications)
    touch(store, database, evaluation, now)
    resolve_disabled(store, database, config, now)
    for notification in notifications:
        notification.deliveries = channels.deliver(config, notification.message())
        record(store, notification, now)
    return RunResult(evaluation, notifications)


def send_test(config: AlertConfig, store, database: str) -> Notification:
    """The "send a test alert" button: every channel, recorded in the history, no state change."""
    notification = Notification("test", database, "test", "test", Severity.INFO.label,
                                "Test alert from pgpulse: this channel works.")
    notification.deliveries = channels.deliver(config, notification.message())
    record(store, notification, time.time())
    return notification


def state(store, database: str) -> list[dict]:
    return store.query("SELECT rule, object, status, severity, message, value, threshold, first_seen, last_seen, "
                       "last_notified, resolved_at FROM alert_state WHERE database = :db "
                       "ORDER BY status, last_seen DESC", {"db": database})


def history(store, database: str, limit: int = 200) -> list[dict]:
    return store.query("SELECT at, kind, rule, object, channel, outcome, attempts, detail, message "
                       "FROM alert_notifications WHERE database = :db ORDER BY at DESC, id DESC LIMIT :limit",
                       {"db": database, "limit": limit})
