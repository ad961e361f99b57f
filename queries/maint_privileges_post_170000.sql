-- What the current role may do to one relation, before anything runs (PostgreSQL 17 and later: the
-- MAINTAIN privilege, held directly or through pg_maintain, allows VACUUM, ANALYZE, REINDEX and REFRESH).
SELECT pg_has_role(c.relowner, 'USAGE') AS owner,
       r.rolsuper AS superuser,
       pg_has_role(d.datdba, 'USAGE') AS database_owner,
       c.relisshared AS shared,
       has_table_privilege(c.oid, 'MAINTAIN') AS maintain,
       pg_get_userbyid(c.relowner) AS owner_name,
       current_user AS role
FROM pg_class c
JOIN pg_roles r ON r.rolname = current_user
JOIN pg_database d ON d.datname = current_database()
WHERE c.oid = %(oid)s
