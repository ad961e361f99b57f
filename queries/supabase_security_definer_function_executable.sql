-- anon_/authenticated_security_definer_function_executable: SECURITY DEFINER functions of the schemas
-- the API serves that %(role)s may execute (directly, through PUBLIC or a role it inherits), so the
-- API's /rpc calls them with their owner's rights. Not Supabase's schemas, not an extension's, and not
-- trigger functions (the API cannot call those).
SELECT n.nspname                                                      AS schema,
       p.proname                                                      AS name,
       quote_ident(n.nspname) || '.' || quote_ident(p.proname)
           || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS display,
       pg_get_userbyid(p.proowner)::text                              AS owner,
       l.lanname::text                                                AS language,
       EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) AS g
                WHERE g.grantee = 0 AND g.privilege_type = 'EXECUTE') AS public_execute,
       count(*) OVER ()                                               AS total
  FROM pg_proc p
  JOIN pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_language l ON l.oid = p.prolang
 WHERE p.prosecdef
   AND p.prokind = 'f'
   AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
   AND n.nspname = ANY (%(exposed)s::text[])
   AND n.nspname <> ALL (%(supabase_schemas)s::text[])
   AND has_function_privilege(%(role)s, p.oid, 'EXECUTE')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                      AND d.deptype = 'e')
 ORDER BY schema, name, display
 LIMIT %(limit)s
