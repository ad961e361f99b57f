-- Every maintenance action, refused, failed or done. Timestamps are epoch seconds (UTC).
CREATE TABLE audit_log (
    id          {{ID}},
    at          DOUBLE PRECISION NOT NULL,
    app_user    TEXT,
    database    TEXT NOT NULL,
    action      TEXT NOT NULL,
    object      TEXT,
    sql         TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    duration_ms DOUBLE PRECISION,
    details     TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
