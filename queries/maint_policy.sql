-- One policy of a table, by the table's OID and the policy's exact name: its expressions as PostgreSQL
-- prints them (what an ALTER POLICY changes, and what its undo puts back). No row: it does not exist.
SELECT p.oid::bigint AS oid,
       p.polname AS policy,
       pg_get_expr(p.polqual, p.polrelid) AS using_expr,
       pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
FROM pg_policy p
WHERE p.polrelid = %(oid)s AND p.polname = %(name)s
