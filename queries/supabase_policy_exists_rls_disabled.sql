-- policy_exists_rls_disabled: tables with row-level security policies while row-level security is off
-- (the policies do nothing). Any schema but the system's and Supabase's; not tables of extensions.
SELECT n.nspname                                                      AS schema,
       c.relname                                                      AS name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname)        AS display,
       ARRAY(SELECT p.polname::text FROM pg_policy p WHERE p.polrelid = c.oid ORDER BY p.polname)
                                                                      AS policies,
       count(*) OVER ()                                               AS total
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
   AND NOT c.relrowsecurity
   AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
   AND n.nspname <> ALL (%(supabase_schemas)s::text[])
   AND n.nspname NOT LIKE 'pg\_%%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.deptype = 'e')
 ORDER BY schema, name
 LIMIT %(limit)s
