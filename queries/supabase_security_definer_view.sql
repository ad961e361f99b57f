-- security_definer_view: views of the schemas the API serves that run with their owner's rights (no
-- security_invoker option set true, in any spelling PostgreSQL's boolean parser takes) and that anon or
-- authenticated may select from. Not views of Supabase's schemas or of extensions.
SELECT n.nspname                                                      AS schema,
       c.relname                                                      AS name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname)        AS display,
       pg_get_userbyid(c.relowner)::text                              AS owner,
       count(*) OVER ()                                               AS total
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'v'
   AND n.nspname = ANY (%(exposed)s::text[])
   AND n.nspname <> ALL (%(supabase_schemas)s::text[])
   AND (has_table_privilege('anon', c.oid, 'SELECT') OR has_table_privilege('authenticated', c.oid, 'SELECT'))
   AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(c.reloptions, '{{}}')) AS o(opt)
                    WHERE o.opt ~* '^security_invoker=(t|tr|tru|true|y|ye|yes|on|1)$')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.deptype = 'e')
 ORDER BY schema, name
 LIMIT %(limit)s
