-- This database's statements that wrote temporary files, by what governs their memory: sorts and hashes
-- of queries spill past work_mem; CREATE INDEX, REINDEX, CLUSTER and VACUUM past maintenance_work_mem.
-- The five biggest of each kind, each row with its kind's totals. pgpulse's own statements (tagged with a
-- trailing /* pgpulse */) are left out; other roles' statements whose text this role may not see
-- ('<insufficient privilege>', or NULL) cannot be told apart and count as queries, as one row.
WITH spills AS (
    SELECT s.query,
           sum(s.calls)::bigint                                                         AS calls,
           sum(s.temp_blks_written)::bigint * current_setting('block_size')::bigint    AS temp_bytes,
           coalesce(s.query ~* '^(\s|/\*([^*]|\*[^/])*\*/|--[^\n]*\n)*(create\s+(unique\s+)?index|reindex|cluster|vacuum)\M',
                    false)                                                               AS maintenance
      FROM {pgss}.pg_stat_statements s
     WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND s.temp_blks_written > 0
       AND (s.query IS NULL OR strpos(s.query, '/* pgpulse */') = 0)  -- the app's own statements, tagged
     GROUP BY s.query
), ranked AS (
    SELECT sp.*,
           row_number() OVER (PARTITION BY sp.maintenance ORDER BY sp.temp_bytes DESC, sp.query) AS rank,
           count(*) OVER (PARTITION BY sp.maintenance)                                           AS kind_statements,
           sum(sp.temp_bytes) OVER (PARTITION BY sp.maintenance)::bigint                         AS kind_bytes
      FROM spills sp
)
SELECT query, calls, temp_bytes, maintenance, kind_statements, kind_bytes
  FROM ranked
 WHERE rank <= 5
 ORDER BY maintenance, temp_bytes DESC, query
