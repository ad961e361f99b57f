-- The weekly routine's tables: the busiest since their last vacuum/analyze. Changes are the inserts,
-- updates and deletes counted since the last ANALYZE (n_mod_since_analyze), or the inserts since the
-- last vacuum plus the dead tuples when that is larger (the counters keep no "since vacuum" total). Live
-- rows: the counter, or after a statistics reset the catalog's (table_stats.sql).
SELECT s.relid::bigint AS oid,
       s.schemaname AS schema,
       s.relname AS name,
       greatest(s.n_mod_since_analyze, s.n_ins_since_vacuum + s.n_dead_tup) AS changes,
       s.n_tup_ins + s.n_tup_upd + s.n_tup_del AS changes_since_reset,
       s.live_rows AS n_live_tup,
       s.n_dead_tup,
       s.n_dead_tup::float8 / nullif(s.live_rows + s.n_dead_tup, 0) AS dead_ratio,
       greatest(s.last_vacuum, s.last_autovacuum) AS last_vacuum,
       greatest(s.last_analyze, s.last_autoanalyze) AS last_analyze,
       pg_total_relation_size(s.relid) AS total_bytes
FROM {query:table_stats} s
WHERE greatest(s.n_mod_since_analyze, s.n_ins_since_vacuum + s.n_dead_tup) >= %(min_changes)s
  AND s.schemaname NOT LIKE 'pg\_temp%%'
ORDER BY changes DESC, s.schemaname, s.relname
LIMIT %(limit)s
