-- A btree index measured page by page with pgstatindex (reads the whole index).
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)        AS display,
       p.index_size,
       p.tree_level,
       p.internal_pages,
       p.leaf_pages,
       p.empty_pages,
       p.deleted_pages,
       p.avg_leaf_density,
       p.leaf_fragmentation
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_am am ON am.oid = c.relam
 CROSS JOIN LATERAL {pgstattuple}.pgstatindex(c.oid::regclass) p
 WHERE c.oid = %(relid)s::oid
   AND c.relkind = 'i'
   AND am.amname = 'btree'
