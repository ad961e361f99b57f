-- Release pgpulse's per-object lock (closing the session releases it too).
SELECT pg_advisory_unlock(%(key1)s, %(key2)s) AS unlocked
