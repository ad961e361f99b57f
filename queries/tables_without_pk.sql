-- Tables (partitioned ones once, not their partitions) with no primary key, largest first. Sizes are the
-- catalog's page counts (as of the last VACUUM/ANALYZE): measuring would wait for a lock someone holds.
SELECT c.oid,
       n.nspname                                                      AS schema,
       c.relname                                                      AS name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname)        AS display,
       greatest(c.reltuples, 0)::float8                               AS rows,
       (c.relpages::bigint + coalesce(t.relpages, 0)
        + coalesce((SELECT sum(ic.relpages) FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                     WHERE i.indrelid = c.oid), 0)) * current_setting('block_size')::bigint
                                                                      AS total_bytes,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique AND i.indpred IS NULL)
                                                                      AS has_unique_index,
       count(*) OVER ()                                               AS total
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
 WHERE c.relkind IN ('r', 'p')
   AND NOT c.relispartition
   AND c.relpersistence <> 't'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%%'
   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype = 'e')
 ORDER BY total_bytes DESC, schema, name
 LIMIT %(limit)s
