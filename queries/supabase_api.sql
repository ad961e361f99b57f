-- What makes a database Supabase-shaped, and which schemas its API (PostgREST) serves: auth.users, the
-- API roles, and pgrst.db_schemas as the authenticator role gets it in this database, as it gets it
-- everywhere, as this session sees it, and as set for this database (for every role).
WITH db AS (SELECT oid FROM pg_database WHERE datname = current_database()),
settings AS (
    SELECT s.setrole, s.setdatabase, substr(c.item, length('pgrst.db_schemas=') + 1) AS value
      FROM pg_db_role_setting s
     CROSS JOIN LATERAL unnest(s.setconfig) AS c(item)
     WHERE c.item LIKE 'pgrst.db\_schemas=%%'
)
SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'auth' AND c.relname = 'users' AND c.relkind IN ('r', 'p'))
                                                                      AS has_auth_users,
       ARRAY(SELECT rolname::text FROM pg_roles
              WHERE rolname IN ('anon', 'authenticated', 'service_role', 'authenticator')
              ORDER BY rolname)                                       AS api_roles,
       (SELECT s.value FROM settings s JOIN pg_roles r ON r.oid = s.setrole
         WHERE r.rolname = 'authenticator' AND s.setdatabase = (SELECT oid FROM db))
                                                                      AS authenticator_in_database,
       (SELECT s.value FROM settings s JOIN pg_roles r ON r.oid = s.setrole
         WHERE r.rolname = 'authenticator' AND s.setdatabase = 0)     AS authenticator_everywhere,
       nullif(current_setting('pgrst.db_schemas', true), '')          AS session,
       (SELECT s.value FROM settings s WHERE s.setrole = 0 AND s.setdatabase = (SELECT oid FROM db))
                                                                      AS database_wide
