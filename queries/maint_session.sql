-- An action's own session: how long it may wait for a lock and run, and its backend pid (to watch
-- its progress and to cancel it).
SELECT set_config('lock_timeout', %(lock_timeout)s, false) AS lock_timeout,
       set_config('statement_timeout', %(statement_timeout)s, false) AS statement_timeout,
       pg_backend_pid() AS pid
