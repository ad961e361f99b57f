-- Where the space is, per schema: heap, indexes and TOAST of every table with storage (partitions
-- count in their own schema), largest schema first. From the catalog's page counts (relpages, as of
-- each relation's last VACUUM, ANALYZE or index build), so 10,000 tables cost one catalog scan.
SELECT n.nspname                                                         AS schema,
       count(*) FILTER (WHERE NOT c.relispartition)                      AS tables,
       count(*) FILTER (WHERE c.relispartition)                          AS partitions,
       coalesce(sum(greatest(c.reltuples, 0)) FILTER (WHERE c.relkind <> 'p'), 0)::float8 AS rows,
       sum(c.relpages)::bigint * current_setting('block_size')::bigint   AS heap_bytes,
       coalesce(sum(t.relpages), 0)::bigint * current_setting('block_size')::bigint AS toast_bytes,
       coalesce(sum(ix.pages), 0)::bigint * current_setting('block_size')::bigint AS index_bytes,
       (sum(c.relpages) + coalesce(sum(t.relpages), 0) + coalesce(sum(ix.pages), 0))::bigint
           * current_setting('block_size')::bigint                       AS total_bytes,
       coalesce(sum(pg_stat_get_dead_tuples(c.oid)), 0)::bigint          AS dead_tup  -- pg_stat_user_tables' n_dead_tup
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
  LEFT JOIN (SELECT i.indrelid, sum(ic.relpages) AS pages
               FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
              GROUP BY i.indrelid) ix ON ix.indrelid = c.oid
 WHERE c.relkind IN ('r', 'p', 'm')
   AND c.relpersistence <> 't'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%%'
 GROUP BY n.nspname
 ORDER BY total_bytes DESC, schema
