-- The schema of a table a plan names without one (EXPLAIN without VERBOSE), as the search_path finds it.
SELECT n.nspname AS schema
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.oid = to_regclass(%(relation)s)
