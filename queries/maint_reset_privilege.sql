-- Whether the current role may execute pg_stat_statements_reset() in the extension's schema.
SELECT coalesce(bool_or(has_function_privilege(p.oid, 'EXECUTE')), false) AS allowed
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = %(schema)s AND p.proname = 'pg_stat_statements_reset'
