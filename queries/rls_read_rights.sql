-- Before measuring a read as a policy's role: whether pgpulse's role may switch to it (SET ROLE needs
-- membership), whether that role may select from the table at all, and whether pgpulse's role reads the
-- table without row-level security (a superuser, BYPASSRLS, or its owner unless RLS is forced): the read
-- "without RLS" needs that. And whether it may read auth.users, for a real user id in the sample JWT.
SELECT current_user AS me,
       t.oid IS NOT NULL AS role_exists,
       coalesce(pg_has_role(current_user, t.oid, 'MEMBER'), false) AS member,
       coalesce(has_table_privilege(t.oid, c.oid, 'SELECT'), false) AS role_may_select,
       r.rolsuper OR r.rolbypassrls OR (pg_has_role(c.relowner, 'USAGE') AND NOT c.relforcerowsecurity)
           AS bypasses_rls,
       c.relrowsecurity AS rls_enabled,
       coalesce((SELECT has_schema_privilege(un.oid, 'USAGE') AND has_table_privilege(u.oid, 'SELECT')
                 FROM pg_class u JOIN pg_namespace un ON un.oid = u.relnamespace
                 WHERE un.nspname = 'auth' AND u.relname = 'users'), false) AS reads_users
FROM pg_class c
JOIN pg_roles r ON r.rolname = current_user
LEFT JOIN pg_roles t ON t.rolname = %(as_role)s
WHERE c.oid = %(oid)s
