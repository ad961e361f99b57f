-- INVALID indexes (left by a failed CREATE INDEX / REINDEX CONCURRENTLY) of one table, or of every
-- table when oid is 0. Indexes of a table with an index build in progress are left out: they are
-- invalid only until that build ends.
SELECT c.oid::bigint AS oid,
       n.nspname AS schema,
       c.relname AS name,
       i.indrelid::bigint AS table_oid,
       tn.nspname AS table_schema,
       t.relname AS table_name,
       pg_relation_size(c.oid) AS relation_bytes,
       pg_get_indexdef(c.oid) AS index_definition
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace tn ON tn.oid = t.relnamespace
WHERE NOT i.indisvalid
  AND (%(oid)s = 0 OR i.indrelid = %(oid)s)
  AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.relid = i.indrelid)
ORDER BY n.nspname, c.relname
