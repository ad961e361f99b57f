-- Every table and index of this database with its size, tuple gauges and cumulative counters. Live rows:
-- the counter, or after a statistics reset the catalog's (table_stats.sql).
SELECT 'table'                            AS kind,
       t.relid,
       NULL::oid                          AS table_relid,
       t.schemaname                       AS schema_name,
       t.relname                          AS name,
       false                              AS is_unique,
       false                              AS is_primary,
       pg_total_relation_size(t.relid)    AS size_bytes,
       t.live_rows                        AS n_live_tup,
       t.n_dead_tup,
       coalesce(t.seq_scan, 0)            AS seq_scan,
       coalesce(t.seq_tup_read, 0)        AS seq_tup_read,
       coalesce(t.idx_scan, 0)            AS idx_scan,
       coalesce(t.idx_tup_fetch, 0)       AS idx_tup_fetch,
       t.n_tup_ins,
       t.n_tup_upd,
       t.n_tup_del,
       t.n_tup_hot_upd,
       t.vacuum_count,
       t.autovacuum_count,
       t.analyze_count,
       t.autoanalyze_count
  FROM {query:table_stats} t
UNION ALL
SELECT 'index',
       i.indexrelid,
       i.relid,
       i.schemaname,
       i.indexrelname,
       x.indisunique,
       x.indisprimary,
       pg_relation_size(i.indexrelid),
       0, 0, 0, 0,
       coalesce(i.idx_scan, 0),
       coalesce(i.idx_tup_fetch, 0),
       0, 0, 0, 0, 0, 0, 0, 0
  FROM pg_stat_user_indexes i
  JOIN pg_index x ON x.indexrelid = i.indexrelid
