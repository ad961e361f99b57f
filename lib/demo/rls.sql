-- Row-level security problems of the demo, for the RLS policies page (loaded after supabase.sql: the
-- auth schema, its users and the API roles exist). Comments marked PLANTED point at them; the RLS fix can
-- be clicked end to end: measure todos' read as authenticated, rewrite its policy, measure again.

-- step: 1 dropping the RLS demo objects of an earlier load
DROP TABLE IF EXISTS public.todos, public.shared_lists CASCADE;

-- step: 4 planting a per-user table whose policy calls auth.uid() for every row
-- PLANTED: auth_rls_initplan and an unindexed policy column: 200,000 todos of the demo's users, read
-- through a policy that evaluates auth.uid() again for each row, on a user_id no index serves.
CREATE TABLE public.todos (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    uuid NOT NULL,
    title      text NOT NULL,
    done       boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO public.todos (user_id, title, done, created_at)
SELECT u.id, 'Todo ' || g, g % 3 = 0, now() - make_interval(mins => g)
  FROM generate_series(1, 200000) AS g
  JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n, count(*) OVER () AS users
          FROM auth.users) AS u ON u.n = g % u.users;
ALTER TABLE public.todos ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.todos TO authenticated;
CREATE POLICY "own todos" ON public.todos FOR SELECT TO authenticated USING (auth.uid() = user_id);
CREATE POLICY "own todos change" ON public.todos FOR UPDATE TO authenticated
    USING (auth.uid() = user_id) WITH CHECK (auth.uid() = user_id);
ANALYZE public.todos;

-- step: 1 planting overlapping permissive policies
-- PLANTED: multiple_permissive_policies: two permissive SELECT policies for authenticated on one table.
CREATE TABLE public.shared_lists (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id  uuid NOT NULL,
    is_public boolean NOT NULL DEFAULT false,
    name      text NOT NULL
);
CREATE INDEX shared_lists_owner_id_idx ON public.shared_lists (owner_id);
INSERT INTO public.shared_lists (owner_id, is_public, name)
SELECT id, row_number() OVER (ORDER BY id) % 2 = 0, 'List of ' || email FROM auth.users;
ALTER TABLE public.shared_lists ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON public.shared_lists TO authenticated;
CREATE POLICY "owner reads" ON public.shared_lists FOR SELECT TO authenticated USING ((select auth.uid()) = owner_id);
CREATE POLICY "public lists" ON public.shared_lists FOR SELECT TO authenticated USING (is_public);
