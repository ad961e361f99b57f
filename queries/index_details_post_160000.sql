-- Details of the few indexes on screen: the definition as PostgreSQL prints it (names quoted as
-- needed), and when each was last scanned (a partitioned index: the latest of its partitions').
SELECT i.oid, pg_get_indexdef(i.oid) AS definition,
       coalesce(pg_stat_get_lastscan(i.oid),
                (SELECT max(pg_stat_get_lastscan(t.relid)) FROM pg_partition_tree(i.oid) t WHERE t.isleaf))
           AS last_idx_scan
  FROM unnest(%(oids)s::oid[]) AS i(oid)
 WHERE EXISTS (SELECT 1 FROM pg_index x WHERE x.indexrelid = i.oid)
