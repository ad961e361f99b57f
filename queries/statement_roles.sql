-- Roles that have statements in this database's pg_stat_statements (the explorer's role filter).
-- pg_stat_statements(false): no texts are read for this.
SELECT DISTINCT r.rolname AS role
  FROM {pgss}.pg_stat_statements(false) s
  JOIN pg_roles r ON r.oid = s.userid
 WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND s.toplevel
 ORDER BY 1
