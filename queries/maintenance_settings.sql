-- The settings that decide when autovacuum fires, the database's transaction ID ages and how old
-- its statistics are (counters start again at a reset; a restart after a crash also empties them).
SELECT
    current_setting('autovacuum')::bool                                     AS autovacuum,
    current_setting('track_counts')::bool                                   AS track_counts,
    current_setting('autovacuum_naptime')                                   AS naptime,
    current_setting('autovacuum_vacuum_threshold')::float8                  AS vacuum_threshold,
    current_setting('autovacuum_vacuum_scale_factor')::float8               AS vacuum_scale_factor,
    current_setting('autovacuum_vacuum_insert_threshold')::float8           AS insert_threshold,
    current_setting('autovacuum_vacuum_insert_scale_factor')::float8        AS insert_scale_factor,
    current_setting('autovacuum_analyze_threshold')::float8                 AS analyze_threshold,
    current_setting('autovacuum_analyze_scale_factor')::float8              AS analyze_scale_factor,
    -- PostgreSQL 18 caps the dead-tuple threshold; older servers have no such setting (NULL).
    current_setting('autovacuum_vacuum_max_threshold', true)::float8        AS vacuum_max_threshold,
    current_setting('autovacuum_freeze_max_age')::float8                    AS freeze_max_age,
    current_setting('autovacuum_multixact_freeze_max_age')::float8          AS multixact_freeze_max_age,
    current_setting('block_size')::int                                      AS block_size,
    -- only when asked (the Tables page shows it): it stats every file of the database
    CASE WHEN %(database_size)s::bool THEN pg_database_size(current_database()) END AS database_bytes,
    age(d.datfrozenxid)                                                     AS xid_age,
    mxid_age(d.datminmxid)                                                  AS mxid_age,
    s.stats_reset,
    pg_postmaster_start_time()                                              AS server_started,
    -- The counters have been adding up for at least this long: since the reset, else since start.
    now() - coalesce(greatest(s.stats_reset, pg_postmaster_start_time()), pg_postmaster_start_time())
                                                                            AS stats_age
  FROM pg_database d
  LEFT JOIN pg_stat_database s ON s.datid = d.oid
 WHERE d.datname = current_database()
