-- Every statement of this database with its cumulative counters, for a history snapshot (no texts:
-- they are fetched once per queryid by history_statement_texts). The app's own statements left out.
SELECT
    s.dbid,
    s.userid,
    r.rolname                AS role,
    s.queryid,
    s.toplevel,
    s.stats_since,
    s.calls,
    s.total_exec_time        AS total_exec_ms,
    s.rows,
    s.plans,
    s.total_plan_time        AS total_plan_ms,
    s.shared_blks_hit,
    s.shared_blks_read,
    s.shared_blks_dirtied,
    s.shared_blks_written,
    s.temp_blks_read,
    s.temp_blks_written,
    s.io_read_ms             AS blk_read_ms,
    s.io_write_ms            AS blk_write_ms,
    s.wal_bytes::float8      AS wal_bytes
  FROM {query:pgss_rows} s
  LEFT JOIN pg_roles r ON r.oid = s.userid
 WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND s.queryid IS NOT NULL
   AND strpos(s.query, '/* pgpulse */') = 0  -- the app's own statements, tagged
