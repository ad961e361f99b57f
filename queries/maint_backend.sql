-- One backend a cancel or terminate would signal, with what decides whether this role may signal it:
-- its role is ours (or one we have the privileges of), pg_signal_backend, and whether it is a superuser's.
SELECT a.pid, a.datname, a.usename, a.application_name, a.client_addr::text AS client_addr, a.state,
       a.query, a.backend_type, a.query_start, a.xact_start, a.backend_start,
       coalesce(r.rolsuper, false) AS target_superuser,
       coalesce(pg_has_role(a.usesysid, 'USAGE'), false) AS same_role,
       pg_has_role('pg_signal_backend', 'USAGE') AS signal_backend,
       a.pid = pg_backend_pid() AS is_self
FROM pg_stat_activity a
LEFT JOIN pg_roles r ON r.oid = a.usesysid
WHERE a.pid = %(pid)s
