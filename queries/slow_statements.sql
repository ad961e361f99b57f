-- Statements of this database whose mean execution time is above the slow threshold, worst load first.
-- Maintenance and DDL statements (leading word in %(maintenance_words)s, lib/core/statement_kind.py) are
-- no slow queries: left out (their time still counts in the load).
WITH mine AS (
    SELECT s.*
      FROM {pgss}.pg_stat_statements s
     WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND s.toplevel
       AND strpos(s.query, '/* pgpulse */') = 0  -- the app's own statements, tagged
)
SELECT
    m.queryid,
    m.query,
    r.rolname                       AS role,
    m.calls,
    m.total_exec_time               AS total_exec_ms,
    m.mean_exec_time                AS mean_exec_ms,
    m.rows,
    m.total_exec_time / nullif((SELECT sum(total_exec_time) FROM mine), 0) AS load_share
  FROM mine m
  LEFT JOIN pg_roles r ON r.oid = m.userid
 WHERE m.mean_exec_time > %(slow_ms)s
   AND NOT coalesce(lower(substring(left(m.query, 2000) FROM '^(?:\s|/\*.*?\*/|--[^\n]*|\()*([A-Za-z]+)')) = ANY(%(maintenance_words)s::text[]), false)
 ORDER BY m.total_exec_time DESC
 LIMIT %(limit)s
