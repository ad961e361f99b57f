-- What lib/storage/bloat.py needs to estimate a table's bloat from statistics: its size now
-- (pg_relation_size reads the file's length: the catalog's relpages is as old as the last VACUUM or
-- ANALYZE, and a big UPDATE since then doubles a table it still counts as before; a relation someone
-- holds an ACCESS EXCLUSIVE lock on keeps the catalog's figure, see locked_relations), its rows as
-- the last VACUUM or ANALYZE counted them (reltuples), how much changed since the last ANALYZE, fillfactor,
-- and per column (in storage order) the type's alignment and length with the average width and null
-- fraction ANALYZE measured. Width is NULL where pg_stats has no row (not analyzed yet, or a column
-- this role may not read): a variable-width column cannot be sized.
-- With `largest` (the pages' lists), the largest tables besides those of at least min_bytes (the findings).
WITH locked AS MATERIALIZED (
    SELECT relation FROM {query:locked_relations} l
), sized AS (
    SELECT c.oid, n.nspname, c.relname, c.relkind, c.relispartition, c.relpages, c.reltuples,
           c.reloptions, c.reltoastrelid,
           CASE WHEN c.oid IN (SELECT relation FROM locked) THEN NULL ELSE pg_relation_size(c.oid) END AS measured
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'm')
       AND c.relpersistence <> 't'
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\_toast%%'
), ranked AS (
    SELECT s.*,
           coalesce(s.measured, s.relpages::bigint * current_setting('block_size')::bigint) AS heap_bytes
      FROM sized s
), heaps AS MATERIALIZED (
    -- the tables of at least min_bytes (what the findings need), and the `largest` tables (the lists)
    SELECT r.*
      FROM (SELECT ranked.*, row_number() OVER (ORDER BY heap_bytes DESC, oid) AS size_rank FROM ranked) r
     WHERE r.heap_bytes >= %(min_bytes)s::bigint OR r.size_rank <= %(largest)s::bigint
), cols AS (
    -- pg_stats looked up table by table through its names' indexes: read whole, it costs a privilege
    -- check per column of the database (half a second at 10,000 tables); OFFSET 0 keeps the lookup a
    -- subquery, which the planner would otherwise pull up into that join
    SELECT h.oid,
           json_agg(json_build_array(t.typalign, t.typlen, s.avg_width, s.null_frac) ORDER BY a.attnum) AS columns,
           count(*)                                                AS live_columns
      FROM heaps h
      JOIN pg_attribute a ON a.attrelid = h.oid AND a.attnum > 0 AND NOT a.attisdropped
      JOIN pg_type t ON t.oid = a.atttypid
      LEFT JOIN LATERAL (SELECT st.avg_width, st.null_frac
                           FROM pg_stats st
                          WHERE st.schemaname = h.nspname AND st.tablename = h.relname
                            AND st.attname = a.attname AND NOT st.inherited
                         OFFSET 0) s ON true
     GROUP BY h.oid
)
SELECT h.oid,
       h.nspname                                                   AS schema,
       h.relname                                                   AS name,
       quote_ident(h.nspname) || '.' || quote_ident(h.relname)     AS display,
       CASE WHEN h.relkind = 'm' THEN 'materialized view'
            WHEN h.relispartition THEN 'partition' ELSE 'table' END AS kind,
       h.heap_bytes,
       h.relpages::bigint * current_setting('block_size')::bigint  AS catalog_bytes,
       CASE WHEN t.oid IN (SELECT relation FROM locked) THEN t.relpages::bigint * current_setting('block_size')::bigint
            ELSE coalesce(pg_relation_size(t.oid), 0) END          AS toast_bytes,
       current_setting('block_size')::int                          AS block_size,
       h.reltuples,
       pg_stat_get_mod_since_analyze(h.oid)                        AS modified_since_analyze,
       greatest(pg_stat_get_last_analyze_time(h.oid), pg_stat_get_last_autoanalyze_time(h.oid)) AS last_analyze,
       coalesce((SELECT option_value::int FROM pg_options_to_table(h.reloptions)
                  WHERE option_name = 'fillfactor'), 100)          AS fillfactor,
       -- the null bitmap has a bit for every column ever added, dropped ones included
       (SELECT max(d.attnum) FROM pg_attribute d WHERE d.attrelid = h.oid AND d.attnum > 0) AS natts,
       c.columns::text                                             AS columns  -- parsed once per shape
  FROM heaps h
  JOIN cols c ON c.oid = h.oid
  LEFT JOIN pg_class t ON t.oid = h.reltoastrelid
