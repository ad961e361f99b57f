-- A real user id for the sample JWT of a measured read: the first user of Supabase's auth.users.
SELECT id::text AS id FROM auth.users ORDER BY created_at NULLS LAST, id LIMIT 1
