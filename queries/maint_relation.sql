-- The object a maintenance action targets, by exact (unquoted) schema and name: its OID, kind, the
-- table it belongs to, sizes and, for an index, validity, definition and scans. No row: it does not exist.
SELECT c.oid::bigint AS oid,
       c.relkind::text AS relkind,
       n.nspname AS schema,
       c.relname AS name,
       t.oid::bigint AS table_oid,
       tn.nspname AS table_schema,
       t.relname AS table_name,
       pg_get_userbyid(c.relowner) AS owner,
       pg_relation_size(c.oid) AS relation_bytes,
       pg_total_relation_size(t.oid) AS table_total_bytes,
       c.reltuples::bigint AS reltuples,
       t.reltuples::bigint AS table_reltuples,
       i.indisvalid AS index_valid,
       i.indisunique AS index_unique,
       i.indisprimary AS index_primary,
       CASE WHEN i.indexrelid IS NOT NULL THEN pg_get_indexdef(c.oid) END AS index_definition,
       si.idx_scan AS index_scans,
       EXISTS (SELECT 1 FROM pg_index u WHERE u.indrelid = c.oid AND u.indisunique AND u.indisvalid
               AND u.indpred IS NULL AND u.indexprs IS NULL) AS has_unique_index
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_index i ON i.indexrelid = c.oid
LEFT JOIN pg_stat_all_indexes si ON si.indexrelid = c.oid
JOIN pg_class t ON t.oid = coalesce(i.indrelid, c.oid)
JOIN pg_namespace tn ON tn.oid = t.relnamespace
WHERE n.nspname = %(schema)s AND c.relname = %(name)s
