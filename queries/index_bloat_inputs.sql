-- What lib/storage/bloat.py needs to estimate a btree index's bloat: its size now (pg_relation_size,
-- as in table_bloat_inputs: relpages is as old as the last VACUUM, ANALYZE or build), its entries as
-- the last VACUUM, ANALYZE or build counted them (reltuples) with its table's rows then
-- (reltuples) and changes since the table's last ANALYZE, fillfactor, and per stored
-- column (keys and INCLUDE columns) the type's alignment and length with the average width and null
-- fraction from pg_stats: the table's column, or for an expression the statistics ANALYZE keeps
-- under the index's own name. pg_stats is read once and joined.
WITH locked AS MATERIALIZED (
    SELECT relation FROM {query:locked_relations} l
), sized AS (
    SELECT i.indexrelid, i.indrelid, i.indkey, ic.relname, ic.relpages, ic.reltuples, ic.reloptions,
           n.nspname, tc.relname AS table_name, tn.nspname AS table_schema,
           coalesce(CASE WHEN ic.oid NOT IN (SELECT relation FROM locked) THEN pg_relation_size(ic.oid) END,
                    ic.relpages::bigint * current_setting('block_size')::bigint) AS index_bytes,
           coalesce(CASE WHEN tc.oid NOT IN (SELECT relation FROM locked) THEN pg_relation_size(tc.oid) END,
                    tc.relpages::bigint * current_setting('block_size')::bigint) AS table_bytes,
           tc.reltuples AS table_reltuples,
           pg_stat_get_mod_since_analyze(tc.oid) AS table_modified_since_analyze,
           greatest(pg_stat_get_last_analyze_time(tc.oid), pg_stat_get_last_autoanalyze_time(tc.oid))
                                                                   AS last_analyze
      FROM pg_index i
      JOIN pg_class ic ON ic.oid = i.indexrelid
      JOIN pg_namespace n ON n.oid = ic.relnamespace
      JOIN pg_class tc ON tc.oid = i.indrelid
      JOIN pg_namespace tn ON tn.oid = tc.relnamespace
      JOIN pg_am am ON am.oid = ic.relam
     WHERE am.amname = 'btree'
       AND ic.relkind = 'i'
       AND i.indisvalid
       AND ic.relpersistence <> 't'
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\_toast%%'
), idx AS (
    SELECT * FROM sized WHERE index_bytes >= %(min_bytes)s::bigint
), stats AS MATERIALIZED (
    -- only the relations wanted (the checks want the few largest): each row of pg_stats costs a
    -- privilege check
    SELECT schemaname, tablename, attname, avg_width, null_frac
      FROM pg_stats
     WHERE NOT inherited
       AND tablename IN (SELECT table_name FROM idx UNION ALL SELECT relname FROM idx)
), cols AS (
    SELECT x.indexrelid,
           json_agg(json_build_array(t.typalign, t.typlen, coalesce(ts.avg_width, xs.avg_width),
                                     coalesce(ts.null_frac, xs.null_frac)) ORDER BY ia.attnum) AS columns
      FROM idx x
      JOIN pg_attribute ia ON ia.attrelid = x.indexrelid AND ia.attnum > 0
      JOIN pg_type t ON t.oid = ia.atttypid
      LEFT JOIN pg_attribute ta ON ta.attrelid = x.indrelid AND ta.attnum = x.indkey[ia.attnum - 1]
      LEFT JOIN stats ts ON ts.schemaname = x.table_schema AND ts.tablename = x.table_name
                        AND ts.attname = ta.attname
      LEFT JOIN stats xs ON x.indkey[ia.attnum - 1] = 0 AND xs.schemaname = x.nspname
                        AND xs.tablename = x.relname AND xs.attname = ia.attname
     GROUP BY x.indexrelid
)
SELECT x.indexrelid                                                AS oid,
       x.nspname                                                   AS schema,
       x.relname                                                   AS name,
       quote_ident(x.nspname) || '.' || quote_ident(x.relname)     AS display,
       quote_ident(x.table_schema) || '.' || quote_ident(x.table_name) AS table_display,
       x.index_bytes,
       x.relpages::bigint * current_setting('block_size')::bigint  AS catalog_bytes,
       x.table_bytes,
       current_setting('block_size')::int                          AS block_size,
       x.reltuples,
       x.table_reltuples,
       x.table_modified_since_analyze,
       x.last_analyze,
       coalesce((SELECT option_value::int FROM pg_options_to_table(x.reloptions)
                  WHERE option_name = 'fillfactor'), 90)           AS fillfactor,
       c.columns::text                                             AS columns  -- parsed once per shape
  FROM idx x
  JOIN cols c ON c.indexrelid = x.indexrelid
