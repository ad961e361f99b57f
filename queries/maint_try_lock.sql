-- pgpulse's per-object lock, held by the action's session while it runs: one action per object at a
-- time across every session, app instance and cron job acting on this database. Never waits.
SELECT pg_try_advisory_lock(%(key1)s, %(key2)s) AS locked
