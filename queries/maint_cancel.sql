-- Cancel a running action: only the backend with that pid that still runs exactly that statement, so
-- a pid reused by another session is never signalled.
SELECT pg_cancel_backend(pid) AS cancelled
FROM pg_stat_activity
WHERE pid = %(pid)s AND query = %(query)s
