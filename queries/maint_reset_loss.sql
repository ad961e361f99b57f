-- What a pg_stat_statements reset throws away: every database's statements, not only this one's.
SELECT count(*) AS statements,
       count(DISTINCT s.dbid) AS databases,
       coalesce(sum(s.calls), 0) AS calls,
       coalesce(sum(s.total_exec_time), 0) AS total_exec_ms,
       count(*) FILTER (WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()))
           AS statements_here,
       (SELECT stats_reset FROM {pgss}.pg_stat_statements_info) AS stats_reset
FROM {pgss}.pg_stat_statements s
WHERE s.query IS NULL OR strpos(s.query, '/* pgpulse */') = 0  -- the app's own statements, tagged at the end
