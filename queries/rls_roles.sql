-- The roles a policy TO PUBLIC applies to, as Supabase's linter counts them for multiple permissive
-- policies: not PostgreSQL's pg_* roles, not Supabase's admin roles, not roles that bypass RLS.
SELECT rolname::text AS rolname
FROM pg_roles
WHERE rolname !~ '^pg_' AND rolname NOT LIKE 'supabase%%admin' AND NOT rolbypassrls
ORDER BY rolname
