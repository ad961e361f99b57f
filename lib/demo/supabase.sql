-- The demo as a Supabase project: its API serves `public` (lib/supabase/shape.sql made the database
-- Supabase-shaped just before), and problems Supabase's database linter reports are planted here (see
-- SUPABASE_LINTS in lib/demo/planted.py). Comments marked PLANTED point at them.

-- step: 1 dropping the Supabase demo objects of an earlier load
DROP VIEW IF EXISTS public.client_overview, public.user_directory;
DROP FUNCTION IF EXISTS public.invoice_total(uuid), public.delete_client(uuid), public.my_invoices();
DROP FOREIGN TABLE IF EXISTS public.legacy_contacts;
DROP SERVER IF EXISTS legacy_crm CASCADE;
DROP FOREIGN DATA WRAPPER IF EXISTS pgpulse_demo_fdw CASCADE;
DROP TABLE IF EXISTS public.profiles, public.user_secrets, public.notes, public.job_handlers,
    public.sms_optins CASCADE;
DROP EXTENSION IF EXISTS citext;
DELETE FROM auth.users WHERE email LIKE '%@demo.pgpulse.dev';

-- step: 1 opening the API to the demo's tables, as a Supabase project does
INSERT INTO auth.users (id, aud, role, email, phone, raw_app_meta_data, raw_user_meta_data, created_at)
SELECT gen_random_uuid(), 'authenticated', 'authenticated', 'user' || n || '@demo.pgpulse.dev', '+3160000' || n,
       '{"provider": "email"}', jsonb_build_object('name', 'Demo user ' || n), now()
  FROM generate_series(1, 20) AS n;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.clients, public.leads, public.invoices, public.payments,
    public.dead_letter_queue TO anon, authenticated, service_role;
GRANT SELECT ON public.dashboard_stats TO anon, authenticated, service_role;  -- PLANTED: materialized_view_in_api
-- The business tables are protected: row-level security, staff read through the API.
ALTER TABLE public.clients ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.leads ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.invoices ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.payments ENABLE ROW LEVEL SECURITY;
CREATE POLICY "staff read clients" ON public.clients FOR SELECT TO authenticated USING (true);
CREATE POLICY "staff read leads" ON public.leads FOR SELECT TO authenticated USING (true);
CREATE POLICY "staff read invoices" ON public.invoices FOR SELECT TO authenticated USING (true);
CREATE POLICY "staff read payments" ON public.payments FOR SELECT TO authenticated USING (true);
-- PLANTED: rls_disabled_in_public: dead_letter_queue is granted to the API roles with RLS off.

-- step: 1 planting Supabase linter problems
-- PLANTED: rls_disabled_in_public (profiles), sensitive_columns_exposed (user_secrets)
CREATE TABLE public.profiles (
    id         uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
    username   text NOT NULL,
    avatar_url text
);
INSERT INTO public.profiles (id, username) SELECT id, split_part(email, '@', 1) FROM auth.users
 WHERE email LIKE '%@demo.pgpulse.dev';
CREATE TABLE public.user_secrets (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    api_key       text NOT NULL,
    recovery_code text
);
CREATE INDEX user_secrets_user_id_idx ON public.user_secrets (user_id);
-- PLANTED: policy_exists_rls_disabled (a policy written, RLS never enabled)
CREATE TABLE public.notes (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id uuid NOT NULL,
    body    text NOT NULL
);
CREATE INDEX notes_user_id_idx ON public.notes (user_id);
CREATE POLICY "own notes" ON public.notes FOR ALL TO authenticated USING (user_id = (SELECT auth.uid()))
    WITH CHECK (user_id = (SELECT auth.uid()));
-- PLANTED: rls_enabled_no_policy, unsupported_reg_types (a regproc column)
CREATE TABLE public.job_handlers (
    id      int PRIMARY KEY,
    queue   text NOT NULL,
    handler regproc NOT NULL
);
INSERT INTO public.job_handlers VALUES (1, 'emails', 'pg_catalog.now'::regproc);
ALTER TABLE public.job_handlers ENABLE ROW LEVEL SECURITY;
-- PLANTED: fkey_to_auth_unique (a foreign key to auth.users' unique phone, not to its key)
CREATE TABLE public.sms_optins (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone text NOT NULL REFERENCES auth.users (phone)
);
CREATE INDEX sms_optins_phone_idx ON public.sms_optins (phone);
ALTER TABLE public.sms_optins ENABLE ROW LEVEL SECURITY;
CREATE POLICY "staff read optins" ON public.sms_optins FOR SELECT TO authenticated USING (true);
-- PLANTED: security_definer_view (runs as its owner, so it ignores clients' RLS)
CREATE VIEW public.client_overview AS
SELECT c.id, c.name, c.email, count(i.id) AS invoices
  FROM public.clients c LEFT JOIN public.invoices i ON i.client_id = c.id
 GROUP BY c.id;
-- PLANTED: auth_users_exposed (and a security definer view too)
CREATE VIEW public.user_directory AS SELECT id, email, phone, raw_user_meta_data FROM auth.users;
-- PLANTED: function_search_path_mutable
CREATE FUNCTION public.invoice_total(client uuid) RETURNS bigint
    LANGUAGE sql STABLE
    AS 'SELECT coalesce(sum(amount_cents), 0) FROM invoices WHERE client_id = client';
-- PLANTED: anon_ and authenticated_security_definer_function_executable (EXECUTE stays with PUBLIC)
CREATE FUNCTION public.delete_client(client uuid) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = ''
    AS 'UPDATE public.clients SET deleted_at = now() WHERE id = client';
-- PLANTED: authenticated_security_definer_function_executable only (anon's EXECUTE revoked)
CREATE FUNCTION public.my_invoices() RETURNS SETOF public.invoices
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
    AS 'SELECT * FROM public.invoices LIMIT 0';
REVOKE EXECUTE ON FUNCTION public.my_invoices() FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION public.my_invoices() TO authenticated;
-- PLANTED: foreign_table_in_api (a wrapper without handler: the table is never read)
CREATE FOREIGN DATA WRAPPER pgpulse_demo_fdw;
CREATE SERVER legacy_crm FOREIGN DATA WRAPPER pgpulse_demo_fdw;
CREATE FOREIGN TABLE public.legacy_contacts (id int, email text) SERVER legacy_crm;
GRANT SELECT ON public.legacy_contacts TO anon, authenticated;
-- PLANTED: extension_versions_outdated (installed at an old version, in the right schema)
CREATE EXTENSION citext WITH SCHEMA extensions VERSION '1.4';
-- PLANTED: extension_in_public: pg_stat_statements, pgstattuple and pg_buffercache (created earlier).
