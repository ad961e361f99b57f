-- The settings the guide's advice depends on, with where each value comes from. pgpulse sets some
-- timeouts on its own sessions (source 'session'): for those, the value any other session starts
-- with (reset_val) is shown, and its source is worked out from ALTER ROLE / DATABASE ... SET.
WITH me AS (
    SELECT (SELECT oid FROM pg_database WHERE datname = current_database()) AS db,
           (SELECT oid FROM pg_roles WHERE rolname = current_user)          AS role
), overrides AS (
    SELECT split_part(c, '=', 1) AS name,
           CASE WHEN r.setdatabase <> 0 AND r.setrole <> 0 THEN 'database user'
                WHEN r.setrole <> 0 THEN 'user'
                ELSE 'database' END AS source,
           CASE WHEN r.setdatabase <> 0 AND r.setrole <> 0 THEN 1
                WHEN r.setrole <> 0 THEN 2 ELSE 3 END AS rank
      FROM pg_db_role_setting r, me, unnest(r.setconfig) c
     WHERE r.setdatabase IN (0, me.db) AND r.setrole IN (0, me.role)
)
SELECT s.name,
       CASE WHEN s.source = 'session' THEN s.reset_val ELSE s.setting END     AS setting,
       s.unit,
       s.vartype,
       CASE WHEN s.source <> 'session' THEN s.source
            ELSE coalesce((SELECT o.source FROM overrides o WHERE o.name = s.name ORDER BY o.rank LIMIT 1),
                          CASE WHEN s.reset_val <> s.boot_val THEN 'configuration file' ELSE 'default' END)
       END                                                                    AS source,
       s.boot_val,
       s.pending_restart,
       s.context,
       s.short_desc
  FROM pg_settings s
 WHERE s.name = ANY(%(names)s)
 ORDER BY s.name
