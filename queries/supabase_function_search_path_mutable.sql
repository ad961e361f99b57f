-- function_search_path_mutable: functions and procedures with no search_path of their own (SET
-- search_path in their definition), outside the system's and Supabase's schemas, not an extension's.
-- A fixed search_path of any value counts as set ('' is what Supabase recommends).
SELECT n.nspname                                                      AS schema,
       p.proname                                                      AS name,
       quote_ident(n.nspname) || '.' || quote_ident(p.proname)
           || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS display,
       pg_get_function_identity_arguments(p.oid)                      AS arguments,
       p.prokind::text                                                AS kind,
       p.prosecdef                                                    AS security_definer,
       l.lanname::text                                                AS language,
       count(*) OVER ()                                               AS total
  FROM pg_proc p
  JOIN pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_language l ON l.oid = p.prolang
 WHERE p.prokind IN ('f', 'p', 'w')
   AND n.nspname <> ALL (%(supabase_schemas)s::text[])
   AND n.nspname NOT LIKE 'pg\_%%'
   AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{{}}')) AS s(setting)
                    WHERE s.setting LIKE 'search\_path=%%')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                      AND d.deptype = 'e')
 ORDER BY schema, name, display
 LIMIT %(limit)s
