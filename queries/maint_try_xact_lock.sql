-- pgpulse's per-object lock behind a transaction pooler: held until the transaction ends, so it never
-- stays on a server connection shared with other clients. Never waits.
SELECT pg_try_advisory_xact_lock(%(key1)s, %(key2)s) AS locked
