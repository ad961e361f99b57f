-- Every index as a person manages it: a partitioned index is one row summing its partitions'
-- indexes (they cannot be dropped one by one). What lib/indexes.py needs to judge use, duplicates
-- and validity: flags, the constraint it backs, key columns as comparable tokens (attribute number,
-- or the expression's text), operator classes, collations, options, predicate, size and scans.
WITH idx AS (
    SELECT i.*, ic.relname, ic.relkind, ic.relnamespace, am.amname,
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
), usage AS (
    -- A plain index counts itself; a partitioned index counts the indexes of its partitions.
    SELECT x.indexrelid,
           sum(pg_relation_size(m.relid))::bigint                   AS index_bytes,
           sum(s.idx_scan)::bigint                                  AS idx_scan,
           sum(s.idx_tup_read)::bigint                              AS idx_tup_read,
           max((to_jsonb(s) ->> 'last_idx_scan')::timestamptz)      AS last_idx_scan,
           sum(io.idx_blks_hit)::bigint                             AS idx_blks_hit,
           sum(io.idx_blks_read)::bigint                            AS idx_blks_read
      FROM idx x
      CROSS JOIN LATERAL (
          SELECT x.indexrelid AS relid WHERE x.relkind = 'i'
          UNION ALL
          SELECT t.relid FROM pg_partition_tree(x.indexrelid) t WHERE x.relkind = 'I' AND t.isleaf
      ) m
      LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = m.relid
      LEFT JOIN pg_statio_user_indexes io ON io.indexrelid = m.relid
     GROUP BY x.indexrelid
), tables AS (
    SELECT x.indrelid,
           sum(pg_relation_size(m.relid))::bigint                                 AS table_bytes,
           sum(greatest(c.reltuples, 0))::float8                                  AS table_rows,
           -- what keeps every index of the table busy: inserts and updates that are not HOT
           sum(s.n_tup_ins + s.n_tup_upd - s.n_tup_hot_upd)::bigint               AS index_writes
      FROM (SELECT DISTINCT indrelid, table_kind FROM idx) x
      CROSS JOIN LATERAL (
          SELECT x.indrelid AS relid WHERE x.table_kind <> 'p'
          UNION ALL
          SELECT t.relid FROM pg_partition_tree(x.indrelid) t WHERE x.table_kind = 'p' AND t.isleaf
      ) m
      JOIN pg_class c ON c.oid = m.relid
      LEFT JOIN pg_stat_user_tables s ON s.relid = m.relid
     GROUP BY x.indrelid
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
       pg_get_indexdef(x.indexrelid)                                  AS definition,
       EXISTS (SELECT 1 FROM pg_attribute a
                WHERE a.attrelid = x.indrelid AND NOT a.attisdropped
                  AND a.attname = ANY (%(soft_delete_columns)s::text[]))  AS soft_delete_table,
       EXISTS (SELECT 1 FROM pg_depend d
                WHERE d.classid = 'pg_class'::regclass AND d.objid = x.indrelid AND d.deptype = 'e')
                                                                      AS extension_member,
       u.index_bytes, u.idx_scan, u.idx_tup_read, u.last_idx_scan, u.idx_blks_hit, u.idx_blks_read,
       u.idx_blks_hit::float8 / nullif(u.idx_blks_hit + u.idx_blks_read, 0) AS hit_ratio,
       t.table_bytes, t.table_rows, t.index_writes
  FROM idx x
  JOIN pg_namespace n ON n.oid = x.relnamespace
  JOIN pg_namespace tn ON tn.oid = x.table_namespace
  JOIN usage u ON u.indexrelid = x.indexrelid
  JOIN tables t ON t.indrelid = x.indrelid
  LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.contype IN ('p', 'u', 'x')
                             AND con.conrelid = x.indrelid
 ORDER BY n.nspname, x.table_name, x.relname
