-- extension_in_public: extensions installed in the public schema (plpgsql, which every database has
-- there and nobody chose, aside).
SELECT n.nspname                                                      AS schema,
       e.extname                                                      AS name,
       quote_ident(n.nspname) || '.' || quote_ident(e.extname)        AS display,
       e.extversion                                                   AS version,
       e.extrelocatable                                               AS relocatable,
       count(*) OVER ()                                               AS total
  FROM pg_extension e
  JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE n.nspname = 'public'
   AND e.extname <> 'plpgsql'
 ORDER BY name
 LIMIT %(limit)s
