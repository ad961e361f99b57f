-- A Supabase-shaped database, for tests and the demo: the `auth` schema with auth.users and the
-- functions policies call (auth.uid(), auth.jwt(), auth.role(), auth.email(), reading the request's
-- JWT claims the way Supabase's do), the API roles, the `extensions` schema, the grants Supabase gives
-- the API roles on `public`, and pgrst.db_schemas (the schemas PostgREST exposes) for `authenticator`.
-- Idempotent: run it again and nothing changes. Roles are cluster-wide: created only when missing.

-- The API roles. Supabase's authenticator logs in (PostgREST connects as it); here it needs not, and
-- a login role without a password on a trust-configured test server would be an open door.
DO $$
DECLARE
    wanted text[][] := ARRAY[['anon', 'NOLOGIN NOINHERIT'],
                             ['authenticated', 'NOLOGIN NOINHERIT'],
                             ['service_role', 'NOLOGIN NOINHERIT BYPASSRLS'],
                             ['authenticator', 'NOLOGIN NOINHERIT']];
    i int;
BEGIN
    FOR i IN 1 .. array_length(wanted, 1) LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = wanted[i][1]) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I %s', wanted[i][1], wanted[i][2]);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- another session created it meanwhile
            END;
        END IF;
    END LOOP;
END
$$;
GRANT anon, authenticated, service_role TO authenticator;

CREATE SCHEMA IF NOT EXISTS extensions;
CREATE SCHEMA IF NOT EXISTS auth;
GRANT USAGE ON SCHEMA extensions, auth, public TO anon, authenticated, service_role;

CREATE TABLE IF NOT EXISTS auth.users (
    instance_id        uuid,
    id                 uuid PRIMARY KEY,
    aud                varchar(255),
    role               varchar(255),
    email              varchar(255),
    encrypted_password varchar(255),
    email_confirmed_at timestamptz,
    phone              text UNIQUE DEFAULT NULL,
    raw_app_meta_data  jsonb,
    raw_user_meta_data jsonb,
    is_super_admin     boolean,
    is_anonymous       boolean NOT NULL DEFAULT false,
    last_sign_in_at    timestamptz,
    created_at         timestamptz,
    updated_at         timestamptz,
    deleted_at         timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS users_email_partial_key ON auth.users (email) WHERE is_anonymous = false;

-- The request's JWT: PostgREST sets request.jwt.claims (JSON) per transaction; older versions set one
-- request.jwt.claim.<name> per claim. Both are read, the single claim first, as Supabase does.
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$
    SELECT coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')::uuid
$$;

CREATE OR REPLACE FUNCTION auth.role() RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
                    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')::text
$$;

CREATE OR REPLACE FUNCTION auth.email() RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT coalesce(nullif(current_setting('request.jwt.claim.email', true), ''),
                    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')::text
$$;

CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    SELECT coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                    nullif(current_setting('request.jwt.claims', true), ''))::jsonb
$$;

GRANT EXECUTE ON FUNCTION auth.uid(), auth.role(), auth.email(), auth.jwt() TO anon, authenticated, service_role;

-- What Supabase grants the API roles on public: every table, view, sequence and function made there from
-- now on (by the role installing this shape) is reachable through the API unless RLS or a REVOKE stops it.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;

-- The schemas PostgREST serves, as PostgREST reads them: a setting of its login role. Set for this
-- database only (ALTER ROLE ... IN DATABASE): the role is cluster-wide and other databases of the same
-- server are not Supabase-shaped.
DO $$
BEGIN
    EXECUTE format('ALTER ROLE authenticator IN DATABASE %I SET pgrst.db_schemas = %L',
                   current_database(), 'public, graphql_public');
END
$$;
