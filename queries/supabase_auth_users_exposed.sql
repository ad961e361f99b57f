-- auth_users_exposed: views and materialized views of the schemas the API serves that read auth.users
-- (their rewrite rule depends on it) and that anon or authenticated may select from, when that exposes
-- the users: a materialized view (no row-level security there), a view running with its owner's rights,
-- or a security_invoker view while auth.users has row-level security off.
SELECT n.nspname                                                      AS schema,
       c.relname                                                      AS name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname)        AS display,
       CASE c.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END AS kind,
       ARRAY(SELECT r FROM unnest(ARRAY['anon', 'authenticated']) AS r
              WHERE has_table_privilege(r, c.oid, 'SELECT'))          AS exposed_to,
       count(*) OVER ()                                               AS total
  FROM pg_class u
  JOIN pg_namespace un ON un.oid = u.relnamespace AND un.nspname = 'auth' AND u.relname = 'users'
  JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = u.oid
                  AND d.classid = 'pg_rewrite'::regclass AND d.deptype = 'n'
  JOIN pg_rewrite rw ON rw.oid = d.objid
  JOIN pg_class c ON c.oid = rw.ev_class AND c.oid <> u.oid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('v', 'm')
   AND n.nspname = ANY (%(exposed)s::text[])
   AND n.nspname <> ALL (%(supabase_schemas)s::text[])
   AND (has_table_privilege('anon', c.oid, 'SELECT') OR has_table_privilege('authenticated', c.oid, 'SELECT'))
   AND (c.relkind = 'm'
        OR NOT EXISTS (SELECT 1 FROM unnest(coalesce(c.reloptions, '{{}}')) AS o(opt)
                        WHERE o.opt ~* '^security_invoker=(t|tr|tru|true|y|ye|yes|on|1)$')
        OR NOT u.relrowsecurity)
 GROUP BY n.nspname, c.relname, c.relkind, c.oid
 ORDER BY schema, name
 LIMIT %(limit)s
