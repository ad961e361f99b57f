-- rls_disabled_in_public: tables of the schemas the API serves whose row-level security is off while
-- anon or authenticated may read them (the API then serves every row). Supabase's own schemas and
-- tables an extension owns are left out.
SELECT n.nspname                                                      AS schema,
       c.relname                                                      AS name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname)        AS display,
       ARRAY(SELECT r FROM unnest(ARRAY['anon', 'authenticated']) AS r
              WHERE has_table_privilege(r, c.oid, 'INSERT, UPDATE, DELETE'))
                                                                      AS writable_by,
       greatest(c.reltuples, 0)::float8                               AS rows,
       count(*) OVER ()                                               AS total
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
   AND NOT c.relrowsecurity
   AND n.nspname = ANY (%(exposed)s::text[])
   AND n.nspname <> ALL (%(supabase_schemas)s::text[])
   AND (has_table_privilege('anon', c.oid, 'SELECT') OR has_table_privilege('authenticated', c.oid, 'SELECT'))
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.deptype = 'e')
 ORDER BY schema, name
 LIMIT %(limit)s
