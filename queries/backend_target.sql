-- The session an action is about to signal, and this connection's own pid (never signalled).
SELECT pg_backend_pid()                                   AS own_pid,
       a.pid,
       a.application_name,
       a.backend_start,
       a.backend_type,
       a.state
  FROM (SELECT 1) one
  LEFT JOIN pg_stat_activity a ON a.pid = %(pid)s
