-- The texts of some statements of this database (asked for once per queryid, when first seen).
SELECT DISTINCT ON (s.queryid) s.queryid, s.query
  FROM {pgss}.pg_stat_statements s
 WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND s.queryid = ANY(%(queryids)s)
   AND strpos(s.query, '/* pgpulse */') = 0  -- the app's own statements, tagged
 ORDER BY s.queryid
