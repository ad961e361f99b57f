-- What lib/storage/bloat.py needs to estimate a btree index's bloat: its size now (pg_relation_size,
-- as in table_bloat_inputs: relpages is as old as the last VACUUM, ANALYZE or build), its entries as
-- the last VACUUM, ANALYZE or build counted them (reltuples) with its table's rows then
-- (reltuples) and changes since the table's last ANALYZE, fillfactor, and per stored
-- column (keys and INCLUDE columns) the type's alignment and length with the average width and null
-- fraction from pg_stats: the table's column, or for an expression the statistics ANALYZE keeps
-- under the index's own name. With `largest` (the pages' lists), the largest indexes besides those of
-- at least min_bytes (the findings).
WITH locked AS MATERIALIZED (
    SELECT relation FROM {query:locked_relations} l
), known AS MATERIALIZED (
    -- sizes the caller measured a moment ago (the index catalog's), so they are not measured twice
    SELECT k.oid, k.bytes FROM unnest(%(known_oids)s::oid[], %(known_bytes)s::int8[]) AS k(oid, bytes)
), sized AS (
    SELECT i.indexrelid, i.indrelid, i.indkey, ic.relname, ic.relpages, ic.reltuples, ic.reloptions,
           n.nspname, tc.relname AS table_name, tn.nspname AS table_schema,
           coalesce(k.bytes,
                    CASE WHEN ic.oid NOT IN (SELECT relation FROM locked) THEN pg_relation_size(ic.oid) END,
                    ic.relpages::bigint * current_setting('block_size')::bigint) AS index_bytes,
           tc.relpages AS table_pages, tc.reltuples AS table_reltuples
      FROM pg_index i
      JOIN pg_class ic ON ic.oid = i.indexrelid
      LEFT JOIN known k ON k.oid = ic.oid
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
), idx AS MATERIALIZED (
    -- the indexes of at least min_bytes (what the findings need), and the `largest` indexes (the lists)
    SELECT r.*
      FROM (SELECT sized.*, row_number() OVER (ORDER BY index_bytes DESC, indexrelid) AS size_rank FROM sized) r
     WHERE r.index_bytes >= %(min_bytes)s::bigint OR r.size_rank <= %(largest)s::bigint
), cols AS (
    -- pg_stats looked up column by column through its names' indexes (read whole, it costs a privilege
    -- check per column of the database): the table's column, or for an expression the statistics
    -- ANALYZE keeps under the index's own name. OFFSET 0 keeps each lookup a subquery: pulled up, the
    -- planner joined the whole of pg_stats twice (0.4 s at 10,000 tables)
    SELECT x.indexrelid,
           json_agg(json_build_array(t.typalign, t.typlen, coalesce(ts.avg_width, xs.avg_width),
                                     coalesce(ts.null_frac, xs.null_frac)) ORDER BY ia.attnum) AS columns
      FROM idx x
      JOIN pg_attribute ia ON ia.attrelid = x.indexrelid AND ia.attnum > 0
      JOIN pg_type t ON t.oid = ia.atttypid
      LEFT JOIN pg_attribute ta ON ta.attrelid = x.indrelid AND ta.attnum = x.indkey[ia.attnum - 1]
      LEFT JOIN LATERAL (SELECT st.avg_width, st.null_frac
                           FROM pg_stats st
                          WHERE st.schemaname = x.table_schema AND st.tablename = x.table_name
                            AND st.attname = ta.attname AND NOT st.inherited
                         OFFSET 0) ts ON true
      LEFT JOIN LATERAL (SELECT st.avg_width, st.null_frac
                           FROM pg_stats st
                          WHERE x.indkey[ia.attnum - 1] = 0 AND st.schemaname = x.nspname
                            AND st.tablename = x.relname AND st.attname = ia.attname AND NOT st.inherited
                         OFFSET 0) xs ON true
     GROUP BY x.indexrelid
)
SELECT x.indexrelid                                                AS oid,
       x.nspname                                                   AS schema,
       x.relname                                                   AS name,
       quote_ident(x.nspname) || '.' || quote_ident(x.relname)     AS display,
       quote_ident(x.table_schema) || '.' || quote_ident(x.table_name) AS table_display,
       x.index_bytes,
       x.relpages::bigint * current_setting('block_size')::bigint  AS catalog_bytes,
       coalesce(CASE WHEN x.indrelid NOT IN (SELECT relation FROM locked) THEN pg_relation_size(x.indrelid) END,
                x.table_pages::bigint * current_setting('block_size')::bigint) AS table_bytes,
       current_setting('block_size')::int                          AS block_size,
       x.reltuples,
       x.table_reltuples,
       pg_stat_get_mod_since_analyze(x.indrelid)                   AS table_modified_since_analyze,
       greatest(pg_stat_get_last_analyze_time(x.indrelid), pg_stat_get_last_autoanalyze_time(x.indrelid))
                                                                   AS last_analyze,
       coalesce((SELECT option_value::int FROM pg_options_to_table(x.reloptions)
                  WHERE option_name = 'fillfactor'), 90)           AS fillfactor,
       c.columns::text                                             AS columns  -- parsed once per shape
  FROM idx x
  JOIN cols c ON c.indexrelid = x.indexrelid
