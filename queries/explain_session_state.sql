-- What a statement could leave behind in the session that ran it: compared before and after an EXPLAIN.
SELECT
    current_user                                        AS current_user,
    session_user                                        AS session_user,
    current_setting('role')                             AS role,
    current_setting('search_path')                      AS search_path,
    (SELECT coalesce(json_object_agg(name, setting ORDER BY name), '{{}}')
       FROM pg_settings WHERE source = 'session')       AS session_settings,
    (SELECT count(*) FROM pg_locks
      WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS advisory_locks,
    (SELECT count(*) FROM pg_prepared_statements)       AS prepared_statements,
    (SELECT count(*) FROM pg_cursors)                   AS cursors,
    (SELECT count(*) FROM pg_listening_channels())      AS listening_channels,
    (SELECT count(*) FROM pg_class
      WHERE relnamespace = pg_my_temp_schema())         AS temp_relations
