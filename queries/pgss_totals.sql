-- Statement load in this database since pg_stat_statements was last reset; the app's own statements left out.
-- Maintenance and DDL statements (leading word in %(maintenance_words)s, lib/core/statement_kind.py) are
-- never counted as slow: they are counted apart.
SELECT
    count(*)                                                       AS statements,
    coalesce(sum(s.calls), 0)                                      AS calls,
    coalesce(sum(s.total_exec_time), 0)                            AS total_exec_ms,
    count(*) FILTER (WHERE s.mean_exec_time > %(slow_ms)s
                     AND NOT coalesce(lower(substring(left(s.query, 2000) FROM '^(?:\s|/\*.*?\*/|--[^\n]*|\()*([A-Za-z]+)')) = ANY(%(maintenance_words)s::text[]), false)) AS slow_statements,
    count(*) FILTER (WHERE lower(substring(left(s.query, 2000) FROM '^(?:\s|/\*.*?\*/|--[^\n]*|\()*([A-Za-z]+)')) = ANY(%(maintenance_words)s::text[])) AS maintenance_statements,
    (SELECT stats_reset FROM {pgss}.pg_stat_statements_info)       AS stats_reset,
    (SELECT dealloc FROM {pgss}.pg_stat_statements_info)           AS evicted
  FROM {pgss}.pg_stat_statements s
 WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND s.toplevel
   AND strpos(s.query, '/* pgpulse */') = 0  -- the app's own statements, tagged
