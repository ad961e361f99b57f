-- Every index as a person manages it: a partitioned index is one row summing its partitions'
-- indexes (they cannot be dropped one by one). What lib/storage/indexes.py needs to judge use, duplicates
-- and validity: flags, the constraint it backs, key columns as comparable tokens (attribute number,
-- or the expression's text), operator classes, collations, options, predicate, size and scans.
-- Sizes are measured now (pg_relation_size reads each file's length; relpages is as old as the last
-- VACUUM, ANALYZE or build, half the size after a big UPDATE), except for relations someone holds an
-- ACCESS EXCLUSIVE lock on: those keep the catalog's page count (see locked_relations).
-- Definitions (pg_get_indexdef) are fetched for the few indexes shown (queries/index_details.sql).
WITH locked AS MATERIALIZED (
    SELECT relation FROM {query:locked_relations} l
), idx AS (
    -- only the columns used: the expression trees of pg_index (indexprs) would be carried along
    SELECT i.indexrelid, i.indrelid, i.indisunique, i.indisprimary, i.indisexclusion, i.indisreplident,
           i.indisvalid, i.indisready, i.indnkeyatts, i.indkey, i.indclass, i.indcollation, i.indoption, i.indpred,
           ic.relname, ic.relkind, ic.relnamespace, ic.relpages, am.amname,
           tc.relname AS table_name, tc.relnamespace AS table_namespace, tc.relkind AS table_kind
      FROM pg_index i
      JOIN pg_class ic ON ic.oid = i.indexrelid
      JOIN pg_class tc ON tc.oid = i.indrelid
      JOIN pg_am am ON am.oid = ic.relam
      JOIN pg_namespace n ON n.oid = ic.relnamespace
     WHERE (ic.relkind = 'I' OR NOT ic.relispartition)
       AND ic.relpersistence <> 't'
       AND tc.relkind IN ('r', 'p', 'm')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\_toast%%'
       -- soft_delete_only: the indexes of tables with a soft-delete column (the schema audit's question)
       AND (NOT %(soft_delete_only)s::bool
            OR EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = i.indrelid AND NOT a.attisdropped
                          AND a.attname = ANY (%(soft_delete_columns)s::text[])))
), usage AS (
    -- A plain index counts itself; a partitioned index adds up the indexes of its partitions.
    -- The statistics functions behind pg_stat_user_indexes, called directly: the views cost a join
    -- per index. The last scan's time (PostgreSQL 16+) comes with the details of shown indexes.
    SELECT x.indexrelid,
           coalesce(CASE WHEN x.indexrelid NOT IN (SELECT relation FROM locked) THEN pg_relation_size(x.indexrelid) END,
                    x.relpages::bigint * current_setting('block_size')::bigint) AS index_bytes,
           pg_stat_get_numscans(x.indexrelid)                              AS idx_scan,
           pg_stat_get_tuples_returned(x.indexrelid)                       AS idx_tup_read,
           pg_stat_get_blocks_hit(x.indexrelid)                            AS idx_blks_hit,
           pg_stat_get_blocks_fetched(x.indexrelid) - pg_stat_get_blocks_hit(x.indexrelid) AS idx_blks_read
      FROM idx x
     WHERE x.relkind = 'i'
    UNION ALL
    SELECT x.indexrelid,
           sum(coalesce(CASE WHEN mc.oid NOT IN (SELECT relation FROM locked) THEN pg_relation_size(mc.oid) END,
                        mc.relpages::bigint * current_setting('block_size')::bigint))::bigint,
           sum(pg_stat_get_numscans(m.relid))::bigint,
           sum(pg_stat_get_tuples_returned(m.relid))::bigint,
           sum(pg_stat_get_blocks_hit(m.relid))::bigint,
           sum(pg_stat_get_blocks_fetched(m.relid) - pg_stat_get_blocks_hit(m.relid))::bigint
      FROM idx x
      CROSS JOIN LATERAL pg_partition_tree(x.indexrelid) m
      JOIN pg_class mc ON mc.oid = m.relid
     WHERE x.relkind = 'I' AND m.isleaf
     GROUP BY x.indexrelid
), sizes AS (
    -- what keeps every index of a table busy: inserts and updates that are not HOT
    SELECT c.oid AS indrelid,
           coalesce(CASE WHEN c.oid NOT IN (SELECT relation FROM locked) THEN pg_relation_size(c.oid) END,
                    c.relpages::bigint * current_setting('block_size')::bigint) AS table_bytes,
           greatest(c.reltuples, 0)::float8                                AS table_rows,
           pg_stat_get_tuples_inserted(c.oid) + pg_stat_get_tuples_updated(c.oid)
               - pg_stat_get_tuples_hot_updated(c.oid)                     AS index_writes
      FROM pg_class c
     WHERE c.relkind IN ('r', 'm') AND c.oid IN (SELECT indrelid FROM idx)
    UNION ALL
    SELECT p.oid,
           sum(coalesce(CASE WHEN c.oid NOT IN (SELECT relation FROM locked) THEN pg_relation_size(c.oid) END,
                        c.relpages::bigint * current_setting('block_size')::bigint))::bigint,
           sum(greatest(c.reltuples, 0))::float8,
           sum(pg_stat_get_tuples_inserted(c.oid) + pg_stat_get_tuples_updated(c.oid)
               - pg_stat_get_tuples_hot_updated(c.oid))::bigint
      FROM pg_class p
      CROSS JOIN LATERAL pg_partition_tree(p.oid) m
      JOIN pg_class c ON c.oid = m.relid
     WHERE p.relkind = 'p' AND m.isleaf AND p.oid IN (SELECT indrelid FROM idx)
     GROUP BY p.oid
), tables AS MATERIALIZED (
    -- what is true of the table, once per table rather than once per index (materialized: inlined,
    -- its subqueries would run once per index)
    SELECT z.*,
           EXISTS (SELECT 1 FROM pg_attribute a
                    WHERE a.attrelid = z.indrelid AND NOT a.attisdropped
                      AND a.attname = ANY (%(soft_delete_columns)s::text[]))  AS soft_delete_table,
           EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = z.indrelid AND d.deptype = 'e')
                                                                      AS extension_member
      FROM sizes z
), cons AS MATERIALIZED (
    -- the constraints an index can back, read once (probed per index, 30,000 index scans)
    SELECT con.conindid, con.conrelid, con.conname
      FROM pg_constraint con
     WHERE con.contype IN ('p', 'u', 'x')
)
SELECT x.indexrelid                                                   AS oid,
       n.nspname                                                      AS schema,
       x.relname                                                      AS name,
       quote_ident(n.nspname) || '.' || quote_ident(x.relname)        AS display,
       x.indrelid                                                     AS table_oid,
       tn.nspname                                                     AS table_schema,
       x.table_name,
       quote_ident(tn.nspname) || '.' || quote_ident(x.table_name)    AS table_display,
       x.relkind = 'I'                                                AS partitioned,
       x.amname                                                       AS method,
       x.indisunique                                                  AS is_unique,
       x.indisprimary                                                 AS is_primary,
       x.indisexclusion                                               AS is_exclusion,
       x.indisreplident                                               AS is_replica_identity,
       x.indisvalid                                                   AS is_valid,
       x.indisready                                                   AS is_ready,
       con.conname                                                    AS constraint_name,
       x.indnkeyatts                                                  AS key_count,
       ARRAY(SELECT CASE WHEN k.attnum <> 0 THEN 'column ' || k.attnum
                         ELSE 'expression ' || pg_get_indexdef(x.indexrelid, k.pos::int, true) END
               FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, pos)
              ORDER BY k.pos)                                         AS columns,
       x.indclass::oid[]                                              AS opclasses,
       x.indcollation::oid[]                                          AS collations,
       x.indoption::int2[]                                            AS options,
       pg_get_expr(x.indpred, x.indrelid)                             AS predicate,
       t.soft_delete_table,
       t.extension_member,
       u.index_bytes, u.idx_scan, u.idx_tup_read, u.idx_blks_hit, u.idx_blks_read,
       u.idx_blks_hit::float8 / nullif(u.idx_blks_hit + u.idx_blks_read, 0) AS hit_ratio,
       t.table_bytes, t.table_rows, t.index_writes
  FROM idx x
  JOIN pg_namespace n ON n.oid = x.relnamespace
  JOIN pg_namespace tn ON tn.oid = x.table_namespace
  JOIN usage u ON u.indexrelid = x.indexrelid
  JOIN tables t ON t.indrelid = x.indrelid
  LEFT JOIN cons con ON con.conindid = x.indexrelid AND con.conrelid = x.indrelid
