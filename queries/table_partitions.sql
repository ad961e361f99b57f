-- The partitions of one partitioned table (all levels below it), largest first, paged.
SELECT c.oid,
       n.nspname                                                   AS schema,
       c.relname                                                   AS name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname)     AS display,
       t.level,
       pg_get_expr(c.relpartbound, c.oid)                          AS bounds,
       greatest(c.reltuples, 0)::float8                            AS rows,
       pg_total_relation_size(c.oid)                               AS total_bytes,
       s.n_dead_tup                                                AS dead_tup,
       s.seq_scan,
       s.idx_scan,
       greatest(s.last_vacuum, s.last_autovacuum)                  AS last_vacuum,
       greatest(s.last_analyze, s.last_autoanalyze)                AS last_analyze,
       count(*) OVER ()                                            AS total
  FROM pg_partition_tree(%(relid)s::oid::regclass) t
  JOIN pg_class c ON c.oid = t.relid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
 WHERE t.level > 0
 ORDER BY total_bytes DESC, name
 LIMIT %(limit)s OFFSET %(offset)s
