-- History of the monitored databases (lib/history). Timestamps are epoch seconds (UTC).
-- Counters are stored as increments since the previous snapshot, computed when the snapshot is
-- taken (where resets, restarts and evictions are known): a delta over any period is a plain SUM,
-- and downsampling merges rows by adding them, so totals stay exact. Gauges (sizes, live and dead
-- tuples, connections) are stored as values. A row is written only when something moved.
-- The WITHOUT_ROWID placeholder (lib/core/store.py) keeps SQLite's copies of the two big tables small.

-- One row per snapshot of one database; `database` is the history key (the configured name).
CREATE TABLE hist_snapshot (
    id                 {{ID}},
    database           TEXT NOT NULL,
    at                 DOUBLE PRECISION NOT NULL,
    since              DOUBLE PRECISION,
    resolution         INTEGER NOT NULL DEFAULT 0,
    baseline           INTEGER NOT NULL DEFAULT 0,
    demo               INTEGER NOT NULL DEFAULT 0,
    restarted          INTEGER NOT NULL DEFAULT 0,
    evicted            BIGINT NOT NULL DEFAULT 0,
    server_started     DOUBLE PRECISION,
    pgss_reset         DOUBLE PRECISION,
    stats_reset        DOUBLE PRECISION,
    version_num        INTEGER,
    size_bytes         BIGINT,
    connections        INTEGER,
    active_connections INTEGER,
    peak_connections   INTEGER,
    statements         INTEGER,
    calls              BIGINT NOT NULL DEFAULT 0,
    exec_ms            DOUBLE PRECISION NOT NULL DEFAULT 0,
    xact_commit        BIGINT NOT NULL DEFAULT 0,
    xact_rollback      BIGINT NOT NULL DEFAULT 0,
    blks_read          BIGINT NOT NULL DEFAULT 0,
    blks_hit           BIGINT NOT NULL DEFAULT 0,
    tup_returned       BIGINT NOT NULL DEFAULT 0,
    tup_fetched        BIGINT NOT NULL DEFAULT 0,
    tup_inserted       BIGINT NOT NULL DEFAULT 0,
    tup_updated        BIGINT NOT NULL DEFAULT 0,
    tup_deleted        BIGINT NOT NULL DEFAULT 0,
    temp_bytes         BIGINT NOT NULL DEFAULT 0,
    deadlocks          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX hist_snapshot_database_at ON hist_snapshot (database, at);

-- pg_stat_statements' key; the text is kept once per queryid in hist_query_text.
CREATE TABLE hist_statement_key (
    id       {{ID}},
    database TEXT NOT NULL,
    dbid     BIGINT NOT NULL,
    userid   BIGINT NOT NULL,
    queryid  BIGINT NOT NULL,
    toplevel INTEGER NOT NULL,
    role     TEXT
);
CREATE UNIQUE INDEX hist_statement_key_unique ON hist_statement_key (database, dbid, userid, queryid, toplevel);

CREATE TABLE hist_query_text (
    database TEXT NOT NULL,
    queryid  BIGINT NOT NULL,
    query    TEXT NOT NULL,
    PRIMARY KEY (database, queryid)
);

-- What each statement did in the interval ending at its snapshot.
CREATE TABLE hist_statement (
    snapshot_id         BIGINT NOT NULL,
    key_id              BIGINT NOT NULL,
    calls               BIGINT NOT NULL,
    total_exec_ms       DOUBLE PRECISION NOT NULL,
    rows                BIGINT NOT NULL,
    plans               BIGINT NOT NULL,
    total_plan_ms       DOUBLE PRECISION NOT NULL,
    shared_blks_hit     BIGINT NOT NULL,
    shared_blks_read    BIGINT NOT NULL,
    shared_blks_dirtied BIGINT NOT NULL,
    shared_blks_written BIGINT NOT NULL,
    temp_blks_read      BIGINT NOT NULL,
    temp_blks_written   BIGINT NOT NULL,
    blk_read_ms         DOUBLE PRECISION NOT NULL,
    blk_write_ms        DOUBLE PRECISION NOT NULL,
    wal_bytes           DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (snapshot_id, key_id)
) {{WITHOUT_ROWID}};
CREATE INDEX hist_statement_by_key ON hist_statement (key_id, snapshot_id);

-- The cumulative counters last seen, per statement: what the next increment is measured from.
CREATE TABLE hist_statement_state (
    key_id              BIGINT PRIMARY KEY,
    stats_since         DOUBLE PRECISION,
    calls               BIGINT NOT NULL,
    total_exec_ms       DOUBLE PRECISION NOT NULL,
    rows                BIGINT NOT NULL,
    plans               BIGINT NOT NULL,
    total_plan_ms       DOUBLE PRECISION NOT NULL,
    shared_blks_hit     BIGINT NOT NULL,
    shared_blks_read    BIGINT NOT NULL,
    shared_blks_dirtied BIGINT NOT NULL,
    shared_blks_written BIGINT NOT NULL,
    temp_blks_read      BIGINT NOT NULL,
    temp_blks_written   BIGINT NOT NULL,
    blk_read_ms         DOUBLE PRECISION NOT NULL,
    blk_write_ms        DOUBLE PRECISION NOT NULL,
    wal_bytes           DOUBLE PRECISION NOT NULL
);

-- Tables and indexes seen in a database (by OID; names follow renames).
CREATE TABLE hist_relation (
    id          {{ID}},
    database    TEXT NOT NULL,
    relid       BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    schema_name TEXT NOT NULL,
    name        TEXT NOT NULL,
    table_relid BIGINT,
    is_unique   INTEGER NOT NULL DEFAULT 0,
    is_primary  INTEGER NOT NULL DEFAULT 0,
    first_seen  DOUBLE PRECISION NOT NULL,
    dropped_at  DOUBLE PRECISION
);
CREATE UNIQUE INDEX hist_relation_unique ON hist_relation (database, relid);

CREATE TABLE hist_relation_sample (
    snapshot_id      BIGINT NOT NULL,
    rel_id           BIGINT NOT NULL,
    size_bytes       BIGINT NOT NULL,
    n_live_tup       BIGINT NOT NULL,
    n_dead_tup       BIGINT NOT NULL,
    seq_scan         BIGINT NOT NULL,
    seq_tup_read     BIGINT NOT NULL,
    idx_scan         BIGINT NOT NULL,
    idx_tup_fetch    BIGINT NOT NULL,
    n_tup_ins        BIGINT NOT NULL,
    n_tup_upd        BIGINT NOT NULL,
    n_tup_del        BIGINT NOT NULL,
    n_tup_hot_upd    BIGINT NOT NULL,
    vacuum_count     BIGINT NOT NULL,
    autovacuum_count BIGINT NOT NULL,
    analyze_count    BIGINT NOT NULL,
    autoanalyze_count BIGINT NOT NULL,
    PRIMARY KEY (snapshot_id, rel_id)
) {{WITHOUT_ROWID}};
CREATE INDEX hist_relation_sample_by_rel ON hist_relation_sample (rel_id, snapshot_id);

CREATE TABLE hist_relation_state (
    rel_id           BIGINT PRIMARY KEY,
    size_bytes       BIGINT NOT NULL,
    n_live_tup       BIGINT NOT NULL,
    n_dead_tup       BIGINT NOT NULL,
    seq_scan         BIGINT NOT NULL,
    seq_tup_read     BIGINT NOT NULL,
    idx_scan         BIGINT NOT NULL,
    idx_tup_fetch    BIGINT NOT NULL,
    n_tup_ins        BIGINT NOT NULL,
    n_tup_upd        BIGINT NOT NULL,
    n_tup_del        BIGINT NOT NULL,
    n_tup_hot_upd    BIGINT NOT NULL,
    vacuum_count     BIGINT NOT NULL,
    autovacuum_count BIGINT NOT NULL,
    analyze_count    BIGINT NOT NULL,
    autoanalyze_count BIGINT NOT NULL
);

-- Per database: the previous snapshot's reset markers and database-wide counters (JSON).
CREATE TABLE hist_state (
    database       TEXT PRIMARY KEY,
    snapshot_id    BIGINT,
    at             DOUBLE PRECISION,
    server_started DOUBLE PRECISION,
    pgss_reset     DOUBLE PRECISION,
    pgss_dealloc   BIGINT,
    stats_reset    DOUBLE PRECISION,
    counters       TEXT,
    findings_at    DOUBLE PRECISION
);

-- The lock that makes one snapshot per interval per database across sessions and app instances.
CREATE TABLE hist_lease (
    database   TEXT PRIMARY KEY,
    holder     TEXT,
    busy_until DOUBLE PRECISION NOT NULL DEFAULT 0,
    next_due   DOUBLE PRECISION NOT NULL DEFAULT 0
);

-- Findings as they open and resolve (recorded with the snapshots, at most once per findings interval).
CREATE TABLE hist_finding (
    id          {{ID}},
    database    TEXT NOT NULL,
    check_id    TEXT NOT NULL,
    object      TEXT NOT NULL,
    severity    TEXT NOT NULL,
    title       TEXT NOT NULL,
    opened_at   DOUBLE PRECISION NOT NULL,
    last_seen   DOUBLE PRECISION NOT NULL,
    resolved_at DOUBLE PRECISION,
    demo        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX hist_finding_database ON hist_finding (database, resolved_at);
