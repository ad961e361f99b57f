-- What this server and this role can do: detected once per connection target.
SELECT
    current_setting('server_version_num')::int                          AS version_num,
    current_setting('server_version')                                   AS version,
    current_database()                                                  AS database,
    current_user                                                        AS role,
    (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)        AS superuser,
    pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')             AS read_all_stats,
    pg_has_role(current_user, 'pg_monitor', 'USAGE')                    AS monitor,
    pg_is_in_recovery()                                                 AS replica,
    -- custom settings of a library show in pg_settings only once the library is loaded
    EXISTS (SELECT 1 FROM pg_settings WHERE name = 'pg_stat_statements.max') AS pgss_loaded,
    current_setting('compute_query_id', true)                           AS compute_query_id,
    current_setting('track_io_timing')                                  AS track_io_timing,
    current_setting('max_connections')::int                             AS max_connections,
    current_setting('superuser_reserved_connections')::int              AS reserved_connections,
    (SELECT json_object_agg(e.extname, json_build_object('schema', n.nspname, 'version', e.extversion))
       FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace)  AS extensions,
    (SELECT json_agg(name) FROM pg_available_extensions
      WHERE name IN ('pg_stat_statements', 'hypopg', 'pgstattuple', 'pg_buffercache')) AS available,
    -- A Supabase project: its platform role and the auth and storage schemas it creates in every
    -- project (a self-hosted server has none of them; all three together are not a coincidence).
    EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'supabase_admin')
      AND (SELECT count(*) FROM pg_namespace WHERE nspname IN ('auth', 'storage')) = 2 AS supabase
