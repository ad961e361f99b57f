-- extension_versions_outdated: extensions installed at another version than the one the server
-- would install today (its default version).
SELECT n.nspname                                                      AS schema,
       e.extname                                                      AS name,
       quote_ident(n.nspname) || '.' || quote_ident(e.extname)        AS display,
       e.extversion                                                   AS installed_version,
       a.default_version,
       count(*) OVER ()                                               AS total
  FROM pg_extension e
  JOIN pg_namespace n ON n.oid = e.extnamespace
  JOIN pg_available_extensions a ON a.name = e.extname
 WHERE a.default_version IS NOT NULL
   AND e.extversion IS DISTINCT FROM a.default_version
 ORDER BY name
 LIMIT %(limit)s
