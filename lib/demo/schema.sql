-- pgpulse demo database: the schema of the "Database Optimization and Query Tuning Guide" with the
-- problems the guide warns about planted on purpose (see lib/demo/planted.py for the list).
--
-- Split into steps by "-- step: <weight> <text>" lines; lib/demo/load.py runs the steps of the
-- load one by one and reports progress after each. Data comes from generate_series and a hash of
-- the row number (pgpulse_demo.rand), so every load gives the same data.
-- Comments marked PLANTED point at a deliberate problem; everything else follows the guide.

-- step: 1 resetting an older demo schema
DROP MATERIALIZED VIEW IF EXISTS public.dashboard_stats;
DROP TABLE IF EXISTS public.payments, public.invoices, public.leads, public.leads_by_month,
    public.dead_letter_queue, public.audit_log, public.clients CASCADE;
DROP SCHEMA IF EXISTS pgpulse_demo CASCADE;

-- step: 1 creating extensions
CREATE EXTENSION IF NOT EXISTS pg_stat_statements SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pgstattuple SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_buffercache SCHEMA public;
CREATE SCHEMA pgpulse_demo;
CREATE TABLE pgpulse_demo.meta (version int NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now());
-- A repeatable pseudo-random number in [0, 1) for row n: the same data on every load.
CREATE FUNCTION pgpulse_demo.rand(n bigint, salt bigint) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN hashint8extended(n, salt)::float8 / 18446744073709551616.0 + 0.5;

-- step: 2 creating tables
CREATE TABLE public.clients (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email                text NOT NULL,
    name                 text NOT NULL,
    company              text,
    phone                text,
    website              text,
    industry             text,
    employee_count       integer,
    annual_revenue_cents bigint,
    address_line1        text,
    address_line2        text,
    city                 text,
    region               text,
    postal_code          text,
    country              text,
    timezone             text,
    preferred_language   text,
    status               text NOT NULL DEFAULT 'active'
                         CHECK (status IN ('active', 'inactive', 'prospect', 'churned')),
    tier                 text,            -- PLANTED: status-like, no CHECK
    account_manager      text,
    marketing_opt_in     boolean NOT NULL DEFAULT false,
    legacy_client_id     text,            -- PLANTED: numeric ids stored as text
    last_contacted       text,            -- PLANTED: ISO timestamps stored as text
    notes                text,            -- large free text: SELECT * drags it along
    metadata             jsonb NOT NULL DEFAULT '{}',
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    deleted_at           timestamptz      -- soft delete
);

CREATE TABLE public.leads (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email               text NOT NULL,
    name                text NOT NULL,
    company             text,
    phone               text,
    source              text NOT NULL,
    status              text NOT NULL DEFAULT 'new',   -- PLANTED: status with no CHECK
    score               integer,
    utm_campaign        text,
    converted_client_id uuid,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- The guide's partitioning example: the same leads, one partition per month.
CREATE TABLE public.leads_by_month (
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    email       text NOT NULL,
    name        text NOT NULL,
    company     text,
    source      text NOT NULL,
    status      text NOT NULL DEFAULT 'new',
    score       integer,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

CREATE TABLE public.invoices (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    client_id    uuid NOT NULL,
    number       text NOT NULL,
    amount_cents integer NOT NULL CHECK (amount_cents >= 0),
    currency     char(3) NOT NULL DEFAULT 'USD',
    status       text NOT NULL CHECK (status IN ('draft', 'sent', 'paid', 'overdue', 'void')),
    issued_at    timestamptz NOT NULL,
    due_date     timestamp,                -- PLANTED: timestamp without time zone
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.payments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id   uuid NOT NULL,            -- PLANTED: foreign key with no index
    amount       double precision NOT NULL, -- PLANTED: money as float
    method       text NOT NULL,
    provider_ref text,
    paid_at      timestamptz NOT NULL DEFAULT now()
);

-- PLANTED: autovacuum off, so the dead tuples of the purge below stay. (fillfactor 70 leaves room
-- for HOT updates of the status; it also keeps reads from pruning the pages, so pgstattuple sees the
-- dead tuples that pg_stat_user_tables counts.)
CREATE TABLE public.dead_letter_queue (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue         text NOT NULL,
    entity_type   text NOT NULL,
    entity_id     text NOT NULL,           -- PLANTED: UUIDs stored as text
    payload       jsonb NOT NULL,
    error         text,
    status        text NOT NULL DEFAULT 'pending',  -- PLANTED: status with no CHECK
    attempts      integer NOT NULL DEFAULT 0,
    failed_at     timestamptz NOT NULL DEFAULT now(),
    next_retry_at timestamptz
) WITH (autovacuum_enabled = false, fillfactor = 70);

-- PLANTED: an append-only log with no primary key, fed by an int4 serial close to its maximum.
CREATE TABLE public.audit_log (
    id         serial,
    table_name text NOT NULL,
    row_id     text,
    action     text NOT NULL,
    actor      text,
    changed_at timestamptz NOT NULL DEFAULT now(),
    diff       jsonb
);
-- 95% of 2^31-1: the next 107 million inserts are all that is left.
SELECT setval('public.audit_log_id_seq', 2040109465);

-- One partition per month: two years back, three months ahead, and a default for the rest.
DO $$
DECLARE
    m date := date_trunc('month', now() - interval '24 months')::date;
BEGIN
    WHILE m < date_trunc('month', now() + interval '3 months') LOOP
        EXECUTE format('CREATE TABLE public.%I PARTITION OF public.leads_by_month FOR VALUES FROM (%L) TO (%L)',
                       'leads_' || to_char(m, 'YYYY_MM'), m, (m + interval '1 month')::date);
        m := (m + interval '1 month')::date;
    END LOOP;
END
$$;
CREATE TABLE public.leads_default PARTITION OF public.leads_by_month DEFAULT;

-- step: 8 loading clients
INSERT INTO public.clients (id, email, name, company, phone, website, industry, employee_count,
    annual_revenue_cents, address_line1, address_line2, city, region, postal_code, country, timezone,
    preferred_language, status, tier, account_manager, marketing_opt_in, legacy_client_id,
    last_contacted, notes, metadata, created_at, updated_at, deleted_at)
SELECT md5('client-' || g)::uuid,
       -- mixed case, as people type them: why the application reaches for LOWER(email)
       initcap(fn) || '.' || initcap(ln) || g || '@' || (ARRAY['Example.com', 'acme.io', 'Mail.net', 'corp.org'])[1 + g % 4],
       fn || ' ' || ln,
       ln || ' ' || (ARRAY['Ltd', 'Inc', 'GmbH', 'LLC', 'Group'])[1 + g % 5],
       '+1-555-' || lpad((g % 10000)::text, 4, '0'),
       'https://www.' || lower(ln) || g || '.example',
       (ARRAY['software', 'retail', 'health', 'finance', 'education', 'logistics'])[1 + g % 6],
       10 + (g * 37) % 5000,
       (100000 + (g * 7919) % 90000000)::bigint * 100,
       (g % 900 + 1) || ' Main Street',
       CASE WHEN g % 3 = 0 THEN 'Suite ' || (g % 40 + 1) END,
       (ARRAY['Lisbon', 'Austin', 'Berlin', 'Toronto', 'Sydney', 'Nairobi', 'Osaka'])[1 + g % 7],
       (ARRAY['North', 'South', 'East', 'West'])[1 + g % 4],
       lpad((g * 13 % 99999)::text, 5, '0'),
       (ARRAY['PT', 'US', 'DE', 'CA', 'AU', 'KE', 'JP'])[1 + g % 7],
       (ARRAY['Europe/Lisbon', 'America/Chicago', 'Europe/Berlin', 'America/Toronto'])[1 + g % 4],
       (ARRAY['en', 'pt', 'de', 'fr', 'ja'])[1 + g % 5],
       (ARRAY['active', 'active', 'active', 'inactive', 'prospect', 'churned'])[1 + g % 6],
       (ARRAY['free', 'pro', 'team', 'enterprise'])[1 + g % 4],
       (ARRAY['maria', 'joao', 'lena', 'omar', 'yuki'])[1 + g % 5] || '@ourcrm.example',
       g % 2 = 0,
       (100000 + g)::text,
       to_char(created - interval '1 day' * (g % 90) + interval '30 days', 'YYYY-MM-DD"T"HH24:MI:SS'),
       array_to_string(ARRAY(
           SELECT (ARRAY['Called about the renewal; wants a quote for the team plan before the end of the quarter.',
                         'Asked for an invoice copy and the payment terms in writing.',
                         'Complained that the weekly report arrives late on Mondays.',
                         'Interested in the API integration with their warehouse system.',
                         'Follow up next month: budget freezes until the board meeting.',
                         'Prefers email over phone, do not call before 10am local time.',
                         'Migrated from the legacy CRM; some history is in the old system.',
                         'Requested a demo of the analytics dashboard for their finance team.'])[1 + (g + k * 3) % 8]
             FROM generate_series(1, 6 + g % 12) AS k), ' '),
       jsonb_build_object('plan', (ARRAY['free', 'pro', 'team', 'enterprise'])[1 + g % 4],
                          'seats', 1 + g % 50,
                          'signup_source', (ARRAY['web', 'referral', 'ads', 'event'])[1 + g % 4],
                          'features', jsonb_build_array('reports', CASE WHEN g % 3 = 0 THEN 'api' ELSE 'export' END)),
       created,
       created + interval '1 hour' * (g % 500),
       CASE WHEN g % 20 = 0 THEN created + interval '200 days' END
  FROM generate_series(1, 20000) AS g
 CROSS JOIN LATERAL (
       SELECT (ARRAY['ana', 'ben', 'carla', 'david', 'eva', 'farid', 'grace', 'hugo', 'ines', 'jon',
                     'kenji', 'lucia', 'mario', 'nina', 'oscar', 'paula', 'rui', 'sara', 'tomas', 'zoe'])[1 + g % 20] AS fn,
              (ARRAY['silva', 'smith', 'muller', 'tanaka', 'okafor', 'garcia', 'rossi', 'novak',
                     'kowalski', 'dubois', 'jensen', 'costa', 'nguyen'])[1 + (g / 20) % 13] AS ln,
              now() - interval '730 days' * pgpulse_demo.rand(g, 1) AS created
       ) AS p;

-- step: 14 loading leads
INSERT INTO public.leads (id, email, name, company, phone, source, status, score, utm_campaign,
    converted_client_id, created_at, updated_at)
SELECT md5('lead-' || g)::uuid,
       'lead' || g || '@' || (ARRAY['gmail.com', 'outlook.com', 'company.example', 'yahoo.com'])[1 + g % 4],
       (ARRAY['Alex', 'Bea', 'Chen', 'Dara', 'Emil', 'Fatima', 'Gus', 'Hana'])[1 + g % 8] || ' '
           || (ARRAY['Lee', 'Mora', 'Ivanov', 'Haddad', 'Berg', 'Sato', 'Diaz'])[1 + (g / 8) % 7],
       'Company ' || (g * 7) % 6000,
       '+44-20-' || lpad((g % 100000)::text, 5, '0'),
       (ARRAY['web', 'web', 'referral', 'ads', 'event', 'partner', 'cold_call'])[1 + g % 7],
       st,
       (g * 31) % 100,
       'campaign_' || (g % 40),
       CASE WHEN st = 'converted' THEN md5('client-' || (1 + g % 20000))::uuid END,
       created,
       created + interval '1 minute' * (g % 3000)
  FROM generate_series(1, 300000) AS g
 CROSS JOIN LATERAL (
       SELECT (ARRAY['new', 'new', 'contacted', 'qualified', 'proposal', 'converted', 'lost'])[1 + (g * 3) % 7] AS st,
              now() - interval '730 days' * power(pgpulse_demo.rand(g, 2), 1.5) AS created
       ) AS p;

-- step: 5 copying leads into the monthly partitions
INSERT INTO public.leads_by_month (id, email, name, company, source, status, score, created_at)
SELECT id, email, name, company, source, status, score, created_at FROM public.leads;

-- step: 7 loading invoices
INSERT INTO public.invoices (id, client_id, number, amount_cents, status, issued_at, due_date, created_at)
SELECT md5('invoice-' || g)::uuid,
       -- skewed: a few clients hold many invoices, many hold a handful
       md5('client-' || (1 + floor(20000 * power(pgpulse_demo.rand(g, 3), 2)))::int)::uuid,
       'INV-' || lpad(g::text, 7, '0'),
       1000 + (g * 7919) % 500000,
       (ARRAY['paid', 'paid', 'paid', 'sent', 'overdue', 'draft', 'void'])[1 + g % 7],
       issued,
       (issued + interval '30 days')::timestamp,
       issued
  FROM generate_series(1, 100000) AS g
 CROSS JOIN LATERAL (SELECT now() - interval '720 days' * pgpulse_demo.rand(g, 4) AS issued) AS p;

-- step: 5 loading payments
INSERT INTO public.payments (invoice_id, amount, method, provider_ref, paid_at)
SELECT i.id,
       i.amount_cents / 100.0 / parts,
       (ARRAY['card', 'card', 'bank_transfer', 'paypal'])[1 + k % 4],
       'pay_' || md5(i.id::text || k),
       i.issued_at + interval '1 day' * (k * 7)
  FROM public.invoices i
 CROSS JOIN LATERAL (SELECT CASE WHEN i.amount_cents % 5 = 0 THEN 2 ELSE 1 END AS parts) AS s
 CROSS JOIN LATERAL generate_series(1, s.parts) AS k
 WHERE i.status IN ('paid', 'sent');

-- step: 3 loading the dead letter queue and the audit log
INSERT INTO public.dead_letter_queue (queue, entity_type, entity_id, payload, error, status, attempts,
    failed_at, next_retry_at)
SELECT (ARRAY['emails', 'webhooks', 'billing', 'sync'])[1 + g % 4],
       (ARRAY['invoice', 'client', 'lead'])[1 + g % 3],
       md5('invoice-' || (1 + g * 7 % 100000))::uuid::text,
       jsonb_build_object('attempt', g % 5, 'url', 'https://hooks.example/' || g % 97, 'body', repeat('x', 200 + g % 300)),
       (ARRAY['timeout after 30s', 'HTTP 502 from upstream', 'invalid payload', 'connection reset'])[1 + g % 4],
       (ARRAY['pending', 'pending', 'failed', 'retrying', 'done'])[1 + g % 5],
       g % 6,
       failed,
       failed + interval '15 minutes'
  FROM generate_series(1, 10000) AS g
 CROSS JOIN LATERAL (SELECT now() - interval '60 days' * pgpulse_demo.rand(g, 5) AS failed) AS p;

INSERT INTO public.audit_log (table_name, row_id, action, actor, changed_at, diff)
SELECT (ARRAY['clients', 'invoices', 'payments', 'leads'])[1 + g % 4],
       md5('client-' || (1 + g % 20000))::uuid::text,
       (ARRAY['insert', 'update', 'update', 'delete'])[1 + g % 4],
       (ARRAY['maria', 'joao', 'lena', 'system'])[1 + g % 4],
       now() - interval '1 minute' * g,
       jsonb_build_object('field', 'status', 'from', 'new', 'to', 'contacted')
  FROM generate_series(1, 50000) AS g;

-- step: 10 creating indexes and constraints
SET maintenance_work_mem = '256MB';
ALTER TABLE public.invoices ADD CONSTRAINT invoices_client_id_fkey
    FOREIGN KEY (client_id) REFERENCES public.clients (id);
ALTER TABLE public.invoices ADD CONSTRAINT invoices_number_key UNIQUE (number);
-- PLANTED: no index on payments.invoice_id
ALTER TABLE public.payments ADD CONSTRAINT payments_invoice_id_fkey
    FOREIGN KEY (invoice_id) REFERENCES public.invoices (id);
-- PLANTED: no index on leads.converted_client_id either
ALTER TABLE public.leads ADD CONSTRAINT leads_converted_client_id_fkey
    FOREIGN KEY (converted_client_id) REFERENCES public.clients (id);

-- PLANTED: a plain index on email, while the application filters on LOWER(email)
CREATE INDEX clients_email_idx ON public.clients (email);
-- PLANTED: the hot index of a soft-delete table, not partial on deleted_at IS NULL
CREATE INDEX clients_created_at_idx ON public.clients (created_at);
CREATE INDEX clients_metadata_gin ON public.clients USING gin (metadata jsonb_path_ops);

CREATE INDEX leads_created_at_idx ON public.leads (created_at);
CREATE INDEX leads_status_idx ON public.leads (status);
-- PLANTED: an index nothing ever uses
CREATE INDEX leads_utm_campaign_idx ON public.leads (utm_campaign, score);

-- PLANTED: two identical indexes, and a composite one that makes both redundant
CREATE INDEX invoices_client_id_idx ON public.invoices (client_id);
CREATE INDEX idx_invoices_client_id ON public.invoices (client_id);
CREATE INDEX invoices_client_id_status_idx ON public.invoices (client_id, status);
CREATE INDEX invoices_status_issued_at_idx ON public.invoices (status, issued_at);

CREATE INDEX leads_by_month_created_at_idx ON public.leads_by_month (created_at);
CREATE INDEX dead_letter_queue_status_idx ON public.dead_letter_queue (status, next_retry_at);
CREATE INDEX audit_log_changed_at_brin ON public.audit_log USING brin (changed_at);

-- step: 4 creating the dashboard_stats materialized view
CREATE MATERIALIZED VIEW public.dashboard_stats AS
WITH l AS (
    SELECT created_at::date AS day, count(*) AS leads,
           count(*) FILTER (WHERE status = 'converted') AS converted
      FROM public.leads GROUP BY 1
), i AS (
    SELECT issued_at::date AS day, count(*) AS invoices, sum(amount_cents) AS invoiced_cents
      FROM public.invoices GROUP BY 1
)
SELECT coalesce(l.day, i.day) AS day,
       coalesce(l.leads, 0) AS leads,
       coalesce(l.converted, 0) AS converted,
       coalesce(i.invoices, 0) AS invoices,
       coalesce(i.invoiced_cents, 0) AS invoiced_cents
  FROM l FULL JOIN i ON i.day = l.day;
-- unique, so the view can be refreshed CONCURRENTLY
CREATE UNIQUE INDEX dashboard_stats_day_idx ON public.dashboard_stats (day);

-- step: 8 vacuuming and analyzing
VACUUM (ANALYZE) public.clients, public.leads, public.leads_by_month, public.invoices, public.payments,
    public.audit_log, public.dashboard_stats;

-- step: 1 purging the dead letter queue
ANALYZE public.dead_letter_queue;
-- PLANTED: the purge leaves ~40% dead tuples, and autovacuum is off on this table
DELETE FROM public.dead_letter_queue WHERE status = 'done' OR failed_at < now() - interval '45 days';
