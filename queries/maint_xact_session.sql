-- A cancel or terminate behind a transaction pooler: the action's limits and name for this transaction
-- only (is_local), so nothing stays on a server connection the pooler hands to other clients next; and
-- the backend pid serving this transaction.
SELECT set_config('lock_timeout', %(lock_timeout)s, true) AS lock_timeout,
       set_config('statement_timeout', %(statement_timeout)s, true) AS statement_timeout,
       set_config('application_name', %(application_name)s, true) AS application_name,
       pg_backend_pid() AS pid
