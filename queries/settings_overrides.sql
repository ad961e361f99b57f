-- ALTER ROLE / ALTER DATABASE ... SET of the guide's settings that apply in this database
-- (every role's, not only pgpulse's: the application's role is the one that matters).
SELECT coalesce(ro.rolname, 'every role')                 AS role_name,
       coalesce(d.datname, 'every database')               AS database_name,
       split_part(c, '=', 1)                               AS name,
       substr(c, strpos(c, '=') + 1)                       AS value
  FROM pg_db_role_setting r
  LEFT JOIN pg_roles ro ON ro.oid = r.setrole
  LEFT JOIN pg_database d ON d.oid = r.setdatabase
  CROSS JOIN LATERAL unnest(r.setconfig) c
 WHERE (r.setdatabase = 0 OR d.datname = current_database())
   AND split_part(c, '=', 1) = ANY(%(names)s)
 ORDER BY name, role_name, database_name
