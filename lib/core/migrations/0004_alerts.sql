-- Alerts: one state row per database, rule and object (firing or resolved), so a breach is notified
-- once until it clears or the repeat interval passes; and every notification attempt, per channel.
-- Timestamps are epoch seconds (UTC).
CREATE TABLE alert_state (
    id            {{ID}},
    database      TEXT NOT NULL,
    rule          TEXT NOT NULL,
    object        TEXT NOT NULL,
    status        TEXT NOT NULL,
    severity      TEXT NOT NULL,
    message       TEXT NOT NULL,
    value         DOUBLE PRECISION,
    threshold     DOUBLE PRECISION,
    first_seen    DOUBLE PRECISION NOT NULL,
    last_seen     DOUBLE PRECISION NOT NULL,
    last_notified DOUBLE PRECISION,
    resolved_at   DOUBLE PRECISION
);
CREATE UNIQUE INDEX alert_state_key ON alert_state (database, rule, object);
CREATE TABLE alert_notifications (
    id        {{ID}},
    at        DOUBLE PRECISION NOT NULL,
    database  TEXT NOT NULL,
    rule      TEXT NOT NULL,
    object    TEXT NOT NULL,
    kind      TEXT NOT NULL,
    channel   TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    attempts  INTEGER NOT NULL,
    detail    TEXT,
    message   TEXT NOT NULL
);
CREATE INDEX alert_notifications_at ON alert_notifications (at);
