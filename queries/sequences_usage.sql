-- How far each sequence has gone towards the end of its range, where the end is the sequence's
-- own maximum or, for a serial or identity column, the column type's maximum when that is lower
-- (a bigint sequence feeding an integer column runs out at 2^31-1). last_value is read only where
-- this role may (NULL otherwise, like pg_sequences); a sequence never called has none.
WITH seqs AS (
    SELECT c.oid, n.nspname, c.relname, s.seqtypid, s.seqincrement, s.seqmax, s.seqmin, s.seqcycle,
           CASE WHEN has_sequence_privilege(c.oid, 'SELECT,USAGE') THEN pg_sequence_last_value(c.oid) END
                                                                      AS last_value,
           d.refobjid                                                 AS table_oid,
           d.refobjsubid                                              AS attnum,
           d.deptype
      FROM pg_sequence s
      JOIN pg_class c ON c.oid = s.seqrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
                           AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
     WHERE c.relpersistence <> 't'
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
), judged AS (
    SELECT q.*,
           tc.relname                                                 AS table_name,
           tn.nspname                                                 AS table_schema,
           a.attname                                                  AS column_name,
           format_type(a.atttypid, a.atttypmod)                       AS column_type,
           format_type(q.seqtypid, NULL)                              AS sequence_type,
           CASE WHEN q.seqincrement > 0 THEN
                least(q.seqmax::numeric, CASE a.atttypid WHEN 'int2'::regtype THEN 32767
                                                         WHEN 'int4'::regtype THEN 2147483647
                                                         ELSE q.seqmax::numeric END)
                ELSE greatest(q.seqmin::numeric, CASE a.atttypid WHEN 'int2'::regtype THEN -32768
                                                                 WHEN 'int4'::regtype THEN -2147483648
                                                                 ELSE q.seqmin::numeric END)
           END                                                        AS limit_value
      FROM seqs q
      LEFT JOIN pg_class tc ON tc.oid = q.table_oid
      LEFT JOIN pg_namespace tn ON tn.oid = tc.relnamespace
      LEFT JOIN pg_attribute a ON a.attrelid = q.table_oid AND a.attnum = q.attnum
)
SELECT j.oid,
       j.nspname                                                      AS schema,
       j.relname                                                      AS name,
       quote_ident(j.nspname) || '.' || quote_ident(j.relname)        AS display,
       CASE WHEN j.column_name IS NOT NULL THEN
            quote_ident(j.table_schema) || '.' || quote_ident(j.table_name) || '.' || quote_ident(j.column_name)
       END                                                            AS column_display,
       CASE j.deptype WHEN 'i' THEN 'identity' WHEN 'a' THEN 'serial' END AS owned_as,
       j.sequence_type,
       j.column_type,
       j.last_value,
       j.limit_value,
       j.seqcycle                                                     AS cycles,
       j.last_value::float8 / nullif(j.limit_value, 0)::float8        AS used_ratio,
       count(*) OVER ()                                               AS total
  FROM judged j
 WHERE j.last_value IS NOT NULL
   AND j.last_value::float8 / nullif(j.limit_value, 0)::float8 >= %(min_ratio)s::float8
 ORDER BY used_ratio DESC, schema, name
 LIMIT %(limit)s
