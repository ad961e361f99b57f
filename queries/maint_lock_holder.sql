-- Who holds pgpulse's advisory lock on one object in this database, and what that session runs.
SELECT a.pid, a.application_name, a.usename, a.client_addr::text AS client_addr, a.state, a.query,
       a.query_start, a.backend_start
FROM pg_locks l
JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid = %(key1)s AND l.objid = %(key2)s AND l.objsubid = 2
