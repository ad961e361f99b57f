-- Sessions other than ours holding a lock on a relation (by schema and name) or on the table of that
-- index: who made an action give up on lock_timeout. Catalog joins only, so this never waits itself.
WITH rel AS (
    SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = %(schema)s AND c.relname = %(name)s
), targets AS (
    SELECT oid FROM rel
    UNION SELECT i.indrelid FROM pg_index i JOIN rel ON i.indexrelid = rel.oid
)
SELECT DISTINCT a.pid, l.mode, a.usename, a.application_name, a.state, a.query
FROM pg_locks l
JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'relation' AND l.granted AND l.relation IN (SELECT oid FROM targets)
  AND l.pid <> pg_backend_pid()
ORDER BY a.pid
