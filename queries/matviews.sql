-- Materialized views with their size and whether REFRESH ... CONCURRENTLY is possible: it needs
-- the view populated and a unique index on plain columns covering all rows (no WHERE).
SELECT c.oid,
       n.nspname                                                      AS schema,
       c.relname                                                      AS name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname)        AS display,
       c.relispopulated                                               AS populated,
       EXISTS (SELECT 1 FROM pg_index i
                WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid
                  AND i.indpred IS NULL AND i.indexprs IS NULL)        AS has_unique_index,
       greatest(c.reltuples, 0)::float8                               AS rows,
       pg_total_relation_size(c.oid)                                  AS total_bytes,
       s.seq_scan,
       s.idx_scan,
       greatest(s.last_analyze, s.last_autoanalyze)                   AS last_analyze,
       count(*) OVER ()                                               AS total
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
 WHERE c.relkind = 'm'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
 ORDER BY total_bytes DESC, schema, name
 LIMIT %(limit)s
