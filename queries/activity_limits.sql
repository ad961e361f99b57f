-- How many connections ordinary roles may open: max_connections less the reserved slots
-- (reserved_connections exists from PostgreSQL 16: missing_ok returns NULL before).
SELECT current_setting('max_connections')::int                               AS max_connections,
       current_setting('superuser_reserved_connections')::int                AS superuser_reserved,
       coalesce(current_setting('reserved_connections', true), '0')::int      AS reserved
