-- Columns the schema audit looks at (lib/storage/schema_audit.py decides): text-like columns whose name
-- says id, time, amount or status, or whose sampled values look like timestamps; timestamp without
-- time zone; float and money columns with an amount-like name. Sample values come from the
-- statistics ANALYZE keeps (most common values, histogram bounds): the tables themselves are never
-- read. Constraints: whether a CHECK or a foreign key covers the column, or the type is an enum or
-- a domain with a CHECK. A partitioned table's statistics are those over all its partitions.
WITH cols AS (
    SELECT c.oid, n.nspname, c.relname, c.relkind, a.attnum, a.attname,
           coalesce(nullif(t.typbasetype, 0), t.oid)                  AS base_type,
           t.typtype, t.oid AS type_oid,
           format_type(a.atttypid, a.atttypmod)                       AS type
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attnum > 0
       AND NOT a.attisdropped
       AND c.relkind IN ('r', 'p')
       AND NOT c.relispartition
       AND c.relpersistence <> 't'
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\_toast%%'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype = 'e')
)
SELECT x.oid,
       x.nspname                                                      AS schema,
       x.relname                                                      AS table_name,
       x.attname                                                      AS column_name,
       quote_ident(x.nspname) || '.' || quote_ident(x.relname)        AS table_display,
       quote_ident(x.nspname) || '.' || quote_ident(x.relname) || '.' || quote_ident(x.attname) AS display,
       x.type,
       bt.typname                                                     AS base_type,
       x.typtype = 'e'                                                AS is_enum,
       EXISTS (SELECT 1 FROM pg_constraint dc WHERE dc.contypid = x.type_oid AND dc.contype = 'c')
                                                                      AS domain_check,
       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = x.oid AND k.contype = 'c'
                  AND x.attnum = ANY (k.conkey))                      AS has_check,
       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = x.oid AND k.contype = 'f'
                  AND x.attnum = ANY (k.conkey))                      AS has_foreign_key,
       greatest(c.reltuples, 0)::float8                               AS table_rows,
       s.null_frac,
       s.n_distinct,
       s.inherited IS NOT NULL                                        AS has_stats,
       CASE WHEN bt.typname IN ('text', 'varchar', 'bpchar') THEN
            (coalesce(s.histogram_bounds, s.most_common_vals)::text::text[])[1:%(samples)s]
       END                                                            AS samples
  FROM cols x
  JOIN pg_type bt ON bt.oid = x.base_type
  JOIN pg_class c ON c.oid = x.oid
  LEFT JOIN pg_stats s ON s.schemaname = x.nspname AND s.tablename = x.relname
                      AND s.attname = x.attname AND s.inherited = (x.relkind = 'p')
 WHERE (bt.typname IN ('text', 'varchar', 'bpchar')
        AND (x.attname ~* %(text_name_pattern)s
             OR (coalesce(s.histogram_bounds, s.most_common_vals)::text::text[])[1] ~ %(timestamp_pattern)s))
    OR bt.typname = 'timestamp'
    OR (bt.typname IN ('float4', 'float8', 'money') AND x.attname ~* %(amount_pattern)s)
 ORDER BY x.nspname, x.relname, x.attnum
