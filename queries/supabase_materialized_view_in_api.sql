-- materialized_view_in_api: materialized views of the schemas the API serves that anon or authenticated
-- may select from (no row-level security applies to them). Not Supabase's schemas, not an extension's.
SELECT n.nspname                                                      AS schema,
       c.relname                                                      AS name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname)        AS display,
       ARRAY(SELECT r FROM unnest(ARRAY['anon', 'authenticated']) AS r
              WHERE has_table_privilege(r, c.oid, 'SELECT'))          AS exposed_to,
       count(*) OVER ()                                               AS total
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'm'
   AND n.nspname = ANY (%(exposed)s::text[])
   AND n.nspname <> ALL (%(supabase_schemas)s::text[])
   AND (has_table_privilege('anon', c.oid, 'SELECT') OR has_table_privilege('authenticated', c.oid, 'SELECT'))
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.deptype = 'e')
 ORDER BY schema, name
 LIMIT %(limit)s
