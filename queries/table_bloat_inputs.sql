-- What lib/bloat.py needs to estimate a table's bloat from statistics: its actual heap size, its
-- row estimate, fillfactor, and per column (in storage order) the type's alignment and length with
-- the average width and null fraction ANALYZE measured. Width is NULL where pg_stats has no row (not
-- analyzed yet, or a column this role may not read): a variable-width column then cannot be sized.
SELECT c.oid,
       n.nspname                                                   AS schema,
       c.relname                                                   AS name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname)     AS display,
       CASE WHEN c.relkind = 'm' THEN 'materialized view'
            WHEN c.relispartition THEN 'partition' ELSE 'table' END AS kind,
       pg_relation_size(c.oid)                                     AS heap_bytes,
       coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) AS toast_bytes,
       current_setting('block_size')::int                          AS block_size,
       c.reltuples,
       coalesce((SELECT option_value::int FROM pg_options_to_table(c.reloptions)
                  WHERE option_name = 'fillfactor'), 100)          AS fillfactor,
       (SELECT count(*) FROM pg_attribute d WHERE d.attrelid = c.oid AND d.attnum > 0) AS natts,
       cols.columns
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL (
      SELECT json_agg(json_build_array(t.typalign, t.typlen, s.avg_width, s.null_frac) ORDER BY a.attnum) AS columns
        FROM pg_attribute a
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname
                            AND s.attname = a.attname AND NOT s.inherited
       WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  ) cols
 WHERE c.relkind IN ('r', 'm')
   AND c.relpersistence <> 't'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%%'
   AND pg_relation_size(c.oid) >= %(min_bytes)s::bigint
