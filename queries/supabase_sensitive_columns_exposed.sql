-- sensitive_columns_exposed: tables the API serves without row-level security (readable by anon or
-- authenticated) with columns named like secrets or personal data. A name matches when, lower-cased
-- with dashes as underscores, it is one of %(sensitive_names)s.
SELECT n.nspname                                                      AS schema,
       c.relname                                                      AS name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname)        AS display,
       array_agg(a.attname::text ORDER BY a.attnum)                   AS columns,
       count(*) OVER ()                                               AS total
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relkind IN ('r', 'p')
   AND NOT c.relrowsecurity
   AND n.nspname = ANY (%(exposed)s::text[])
   AND n.nspname <> ALL (%(supabase_schemas)s::text[])
   AND (has_table_privilege('anon', c.oid, 'SELECT') OR has_table_privilege('authenticated', c.oid, 'SELECT'))
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.deptype = 'e')
   AND replace(lower(a.attname), '-', '_') = ANY (%(sensitive_names)s::text[])
 GROUP BY n.nspname, c.relname
 ORDER BY schema, name
 LIMIT %(limit)s
