-- Where the space is, per schema: heap, indexes and TOAST of every table with storage (partitions
-- count in their own schema), largest schema first.
SELECT n.nspname                                                         AS schema,
       count(*) FILTER (WHERE NOT c.relispartition)                      AS tables,
       count(*) FILTER (WHERE c.relispartition)                          AS partitions,
       sum(greatest(c.reltuples, 0))::float8                             AS rows,
       sum(pg_table_size(c.oid) - coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0))::bigint
                                                                         AS heap_bytes,
       sum(coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0))::bigint AS toast_bytes,
       sum(pg_indexes_size(c.oid))::bigint                               AS index_bytes,
       sum(pg_total_relation_size(c.oid))::bigint                        AS total_bytes,
       sum(s.n_dead_tup)::bigint                                         AS dead_tup
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
 WHERE c.relkind IN ('r', 'p', 'm')
   AND c.relpersistence <> 't'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%%'
 GROUP BY n.nspname
 ORDER BY total_bytes DESC, schema
