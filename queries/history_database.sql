-- Database-wide figures for a history snapshot: gauges (size, connections) and cumulative counters.
SELECT
    pg_database_size(current_database())                                          AS size_bytes,
    (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')  AS connections,
    (SELECT count(*) FROM pg_stat_activity
      WHERE backend_type = 'client backend' AND state = 'active')                  AS active_connections,
    d.xact_commit,
    d.xact_rollback,
    d.blks_read,
    d.blks_hit,
    d.tup_returned,
    d.tup_fetched,
    d.tup_inserted,
    d.tup_updated,
    d.tup_deleted,
    d.temp_bytes,
    d.deadlocks,
    d.stats_reset,
    pg_postmaster_start_time()                                                     AS server_started,
    current_setting('server_version_num')::int                                     AS version_num
  FROM pg_stat_database d
 WHERE d.datname = current_database()
