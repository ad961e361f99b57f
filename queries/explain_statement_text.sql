-- The full text of one pg_stat_statements entry of this database, to EXPLAIN it.
SELECT s.query, s.calls, s.mean_exec_time AS mean_exec_ms
  FROM {pgss}.pg_stat_statements s
 WHERE s.queryid = %(queryid)s
   AND s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND strpos(s.query, '/* pgpulse */') = 0  -- the app's own statements, tagged
 ORDER BY s.calls DESC
 LIMIT 1
