-- Every backend this role can see, on every database of the server, with how long each has been in
-- its state. Rows of other roles show `<insufficient privilege>` and NULL timings without pg_monitor.
-- pg_blocking_pids only for sessions waiting on a lock (it is not free); pg_locks is visible to all.
SELECT
    a.pid,
    a.datname,
    a.usename,
    a.application_name,
    coalesce(host(a.client_addr), CASE WHEN a.backend_type = 'client backend' AND a.state IS NOT NULL
                                       THEN 'local socket' END)          AS client,
    a.backend_type,
    a.state,
    a.wait_event_type,
    a.wait_event,
    a.query,
    a.backend_start,
    a.xact_start,
    a.query_start,
    a.state_change,
    extract(epoch FROM now() - a.query_start)::float8                    AS query_s,
    extract(epoch FROM now() - a.xact_start)::float8                     AS xact_s,
    extract(epoch FROM now() - a.state_change)::float8                   AS state_s,
    CASE WHEN a.pid IN (SELECT l.pid FROM pg_locks l WHERE NOT l.granted)
         THEN pg_blocking_pids(a.pid) ELSE '{{}}'::int[] END               AS blocked_by,
    a.pid = pg_backend_pid()                                             AS is_self,
    a.datname IS NOT DISTINCT FROM current_database()                    AS this_database
  FROM pg_stat_activity a
 ORDER BY a.pid
