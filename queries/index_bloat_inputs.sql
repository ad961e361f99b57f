-- What lib/bloat.py needs to estimate a btree index's bloat: its actual size, its entry count
-- estimate, fillfactor, and per stored column (keys and INCLUDE columns) the type's alignment and
-- length with the average width and null fraction from pg_stats: the table's column, or for an
-- expression the statistics ANALYZE keeps under the index's own name.
SELECT i.indexrelid                                                AS oid,
       n.nspname                                                   AS schema,
       ic.relname                                                  AS name,
       quote_ident(n.nspname) || '.' || quote_ident(ic.relname)    AS display,
       quote_ident(tn.nspname) || '.' || quote_ident(tc.relname)   AS table_display,
       pg_relation_size(i.indexrelid)                              AS index_bytes,
       pg_relation_size(i.indrelid)                                AS table_bytes,
       current_setting('block_size')::int                          AS block_size,
       ic.reltuples,
       coalesce((SELECT option_value::int FROM pg_options_to_table(ic.reloptions)
                  WHERE option_name = 'fillfactor'), 90)           AS fillfactor,
       cols.columns
  FROM pg_index i
  JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_namespace n ON n.oid = ic.relnamespace
  JOIN pg_class tc ON tc.oid = i.indrelid
  JOIN pg_namespace tn ON tn.oid = tc.relnamespace
  JOIN pg_am am ON am.oid = ic.relam
  CROSS JOIN LATERAL (
      SELECT json_agg(json_build_array(t.typalign, t.typlen, coalesce(ts.avg_width, xs.avg_width),
                                       coalesce(ts.null_frac, xs.null_frac)) ORDER BY ia.attnum) AS columns
        FROM pg_attribute ia
        JOIN pg_type t ON t.oid = ia.atttypid
        LEFT JOIN pg_attribute ta ON ta.attrelid = i.indrelid AND ta.attnum = i.indkey[ia.attnum - 1]
        LEFT JOIN pg_stats ts ON ts.schemaname = tn.nspname AND ts.tablename = tc.relname
                             AND ts.attname = ta.attname AND NOT ts.inherited
        LEFT JOIN pg_stats xs ON i.indkey[ia.attnum - 1] = 0 AND xs.schemaname = n.nspname
                             AND xs.tablename = ic.relname AND xs.attname = ia.attname
       WHERE ia.attrelid = i.indexrelid AND ia.attnum > 0
  ) cols
 WHERE am.amname = 'btree'
   AND ic.relkind = 'i'
   AND i.indisvalid
   AND ic.relpersistence <> 't'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%%'
   AND pg_relation_size(i.indexrelid) >= %(min_bytes)s::bigint
