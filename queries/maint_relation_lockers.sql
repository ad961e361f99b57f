-- Sessions other than ours holding a lock on a relation: who made an action give up on lock_timeout.
SELECT DISTINCT a.pid, l.mode, a.usename, a.application_name, a.state, a.query,
       now() - coalesce(a.xact_start, a.query_start) AS held_for
FROM pg_locks l
JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'relation' AND l.granted AND l.relation = %(oid)s AND l.pid <> pg_backend_pid()
ORDER BY a.pid
