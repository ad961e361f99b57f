-- A function by its signature (schema.name(argument types)): its owner, whether the current role may alter
-- it (its owner or a superuser), and the search_path it sets for itself, if any. No row: no such function.
SELECT p.oid::bigint AS oid,
       n.nspname AS schema,
       p.proname AS name,
       pg_get_function_identity_arguments(p.oid) AS arguments,
       pg_get_userbyid(p.proowner) AS owner_name,
       pg_has_role(p.proowner, 'USAGE') AS owner,
       r.rolsuper AS superuser,
       current_user AS role,
       (SELECT substr(c.item, length('search_path=') + 1) FROM unnest(p.proconfig) AS c(item)
         WHERE c.item LIKE 'search\_path=%%') AS search_path
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_roles r ON r.rolname = current_user
WHERE p.oid = to_regprocedure(%(signature)s)
