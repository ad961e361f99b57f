-- Limits for the EXPLAIN transaction only: set_config(..., true) is SET LOCAL, gone at the rollback.
SELECT set_config('statement_timeout', %(statement_timeout)s, true) AS statement_timeout,
       set_config('lock_timeout', %(lock_timeout)s, true)           AS lock_timeout
