-- Exact-enough figures for one table from pgstattuple_approx: it reads the pages the visibility
-- map does not mark all-visible and estimates the rest, so it is much cheaper than pgstattuple.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)        AS display,
       p.table_len,
       p.scanned_percent,
       p.approx_tuple_count,
       p.approx_tuple_len,
       p.approx_tuple_percent,
       p.dead_tuple_count,
       p.dead_tuple_len,
       p.dead_tuple_percent,
       p.approx_free_space,
       p.approx_free_percent
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 CROSS JOIN LATERAL {pgstattuple}.pgstattuple_approx(c.oid::regclass) p
 WHERE c.oid = %(relid)s::oid
   AND c.relkind IN ('r', 'm')
