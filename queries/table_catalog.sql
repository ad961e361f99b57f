-- What the query classifier needs from the catalog: every table's key column sets (primary key, unique
-- constraints and unique indexes without a predicate), its foreign keys, kind and size in rows (live
-- rows from the statistics, else the planner's estimate; NULL when never analyzed).
-- `names` NULL: every table. Otherwise only what resolves the names statements use (a catalog of
-- 10,000 tables costs about half a second): the qualified ones (qualified_schemas[i].qualified_names[i]),
-- and for each bare name in `names` the table on the search path, or every table of that name when
-- none is on it (lib/statements/catalog.py's `find` then resolves them exactly as with the whole catalog).
SELECT n.nspname                                                  AS schema,
       c.relname                                                  AS name,
       c.relkind                                                  AS kind,
       coalesce(st.n_live_tup, nullif(c.reltuples, -1)::bigint)   AS estimated_rows,
       pg_table_is_visible(c.oid)                                 AS visible,
       coalesce((SELECT json_agg(cols)
                   FROM (SELECT DISTINCT (SELECT array_agg(a.attname::text ORDER BY a.attname)
                                            FROM pg_attribute a
                                           WHERE a.attrelid = i.indrelid
                                             AND a.attnum = ANY(i.indkey::int2[])) AS cols
                           FROM pg_index i
                          WHERE i.indrelid = c.oid AND i.indisunique AND i.indpred IS NULL
                            AND NOT (0 = ANY(i.indkey::int2[]))) AS k), '[]')   AS keys,
       coalesce((SELECT json_agg(json_build_object(
                    'columns', (SELECT array_agg(a.attname::text ORDER BY u.i)
                                  FROM unnest(f.conkey) WITH ORDINALITY AS u(attnum, i)
                                  JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = u.attnum),
                    'ref_schema', rn.nspname,
                    'ref_table', rc.relname,
                    'ref_columns', (SELECT array_agg(a.attname::text ORDER BY u.i)
                                      FROM unnest(f.confkey) WITH ORDINALITY AS u(attnum, i)
                                      JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = u.attnum)))
                   FROM pg_constraint f
                   JOIN pg_class rc ON rc.oid = f.confrelid
                   JOIN pg_namespace rn ON rn.oid = rc.relnamespace
                  WHERE f.conrelid = c.oid AND f.contype = 'f'), '[]')    AS foreign_keys
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_stat_all_tables st ON st.relid = c.oid
 WHERE c.relkind IN ('r', 'p', 'm', 'v', 'f')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND n.nspname NOT LIKE 'pg_temp%%'
   AND n.nspname NOT LIKE 'pg_toast_temp%%'
   AND (%(names)s::name[] IS NULL
        OR (n.nspname, c.relname) IN (SELECT * FROM unnest(%(qualified_schemas)s::name[],
                                                           %(qualified_names)s::name[]))
        OR (c.relname = ANY (%(names)s::name[])
            AND (pg_table_is_visible(c.oid)
                 OR NOT EXISTS (SELECT 1
                                  FROM pg_class v
                                  JOIN pg_namespace vn ON vn.oid = v.relnamespace
                                 WHERE v.relname = c.relname
                                   AND v.relkind IN ('r', 'p', 'm', 'v', 'f')
                                   AND vn.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                                   AND vn.nspname NOT LIKE 'pg_temp%%'
                                   AND vn.nspname NOT LIKE 'pg_toast_temp%%'
                                   AND pg_table_is_visible(v.oid)))))
 ORDER BY 1, 2
