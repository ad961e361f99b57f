-- Plans kept from the Plans page to compare before and after. Timestamps are epoch seconds (UTC).
-- plan_json is PostgreSQL's FORMAT JSON document, source is explain or pasted.
CREATE TABLE kept_plans (
    id           {{ID}},
    at           DOUBLE PRECISION NOT NULL,
    database     TEXT NOT NULL,
    label        TEXT NOT NULL,
    sql          TEXT,
    source       TEXT NOT NULL,
    options      TEXT,
    execution_ms DOUBLE PRECISION,
    plan_json    TEXT NOT NULL
);
CREATE INDEX kept_plans_database_at ON kept_plans (database, at);
