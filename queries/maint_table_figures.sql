-- The figures a VACUUM or ANALYZE changes, for one table by OID (before and after the action).
SELECT s.n_live_tup,
       s.n_dead_tup,
       s.n_mod_since_analyze,
       s.n_ins_since_vacuum,
       s.last_vacuum,
       s.last_autovacuum,
       s.last_analyze,
       s.last_autoanalyze,
       s.vacuum_count,
       s.autovacuum_count,
       s.analyze_count,
       s.autoanalyze_count,
       pg_table_size(c.oid) AS table_bytes,
       pg_total_relation_size(c.oid) AS total_bytes,
       c.relpages::bigint AS pages,
       c.reltuples::bigint AS reltuples
FROM pg_class c
LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
WHERE c.oid = %(oid)s
