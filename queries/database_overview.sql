-- The owner's key numbers for the current database.
SELECT
    pg_database_size(current_database())                                     AS size_bytes,
    (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')  AS connections,
    (SELECT count(*) FROM pg_stat_activity
      WHERE backend_type = 'client backend' AND state = 'active')             AS active_connections,
    (SELECT count(*) FROM pg_stat_activity
      WHERE backend_type = 'client backend' AND state LIKE 'idle in transaction%%') AS idle_in_transaction,
    current_setting('max_connections')::int                                   AS max_connections,
    current_setting('superuser_reserved_connections')::int                    AS reserved_connections,
    d.blks_hit,
    d.blks_read,
    d.xact_commit,
    d.xact_rollback,
    d.deadlocks,
    d.temp_bytes,
    d.stats_reset,
    pg_postmaster_start_time()                                                AS server_started
  FROM pg_stat_database d
 WHERE d.datname = current_database()
