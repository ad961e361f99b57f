-- The figures a VACUUM, ANALYZE or autovacuum switch changes, for one table by OID (before and after the action).
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
       c.reltuples::bigint AS reltuples,
       -- the table's own autovacuum_enabled storage parameter; NULL: none (the server's setting applies)
       (SELECT option_value FROM pg_options_to_table(c.reloptions)
         WHERE option_name = 'autovacuum_enabled') AS autovacuum_enabled_option
FROM pg_class c
LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
WHERE c.oid = %(oid)s
