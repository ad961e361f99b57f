-- Every row-level security policy of the database, one catalog read: its table, command, roles, whether
-- it is permissive, its USING and WITH CHECK expressions as PostgreSQL prints them, the table's RLS state
-- and owner, the first key column of each of the table's valid indexes, and the functions the policy calls
-- (its recorded dependencies) that are neither STABLE nor IMMUTABLE.
SELECT p.oid::bigint AS policy_oid,
       n.nspname AS schema,
       c.relname AS table_name,
       c.oid::bigint AS table_oid,
       c.relkind::text AS relkind,
       p.polname AS policy,
       p.polpermissive AS permissive,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                     WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
       p.polroles = '{{0}}'::oid[] AS to_public,
       ARRAY(SELECT r.rolname::text FROM pg_roles r WHERE r.oid = ANY (p.polroles) ORDER BY r.rolname) AS roles,
       pg_get_expr(p.polqual, p.polrelid) AS using_expr,
       pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr,
       c.relrowsecurity AS rls_enabled,
       c.relforcerowsecurity AS rls_forced,
       pg_get_userbyid(c.relowner) AS owner,
       c.reltuples::bigint AS table_rows,
       ARRAY(SELECT a.attname::text FROM pg_index i
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
             WHERE i.indrelid = c.oid AND i.indisvalid) AS indexed_columns,
       ARRAY(SELECT DISTINCT format('%%I.%%I(%%s)', fn.nspname, f.proname, pg_get_function_identity_arguments(f.oid))
             FROM pg_depend d
             JOIN pg_proc f ON f.oid = d.refobjid
             JOIN pg_namespace fn ON fn.oid = f.pronamespace
             WHERE d.classid = 'pg_policy'::regclass AND d.objid = p.oid
               AND d.refclassid = 'pg_proc'::regclass AND f.provolatile = 'v') AS volatile_functions
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
ORDER BY n.nspname, c.relname, p.polname
