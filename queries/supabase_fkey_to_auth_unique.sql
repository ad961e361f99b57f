-- fkey_to_auth_unique: foreign keys (of tables outside Supabase's schemas) that reference a unique
-- constraint or index of a table in the auth schema other than its primary key.
SELECT n.nspname                                                      AS schema,
       con.conname                                                    AS name,
       quote_ident(n.nspname) || '.' || quote_ident(con.conname)      AS display,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname)        AS table_display,
       quote_ident(fn.nspname) || '.' || quote_ident(f.relname)       AS references,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, pos)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
              ORDER BY k.pos)                                         AS referenced_columns,
       ic.relname::text                                               AS referenced_index,
       count(*) OVER ()                                               AS total
  FROM pg_constraint con
  JOIN pg_class c ON c.oid = con.conrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_class f ON f.oid = con.confrelid
  JOIN pg_namespace fn ON fn.oid = f.relnamespace
  JOIN pg_index i ON i.indexrelid = con.conindid
  JOIN pg_class ic ON ic.oid = i.indexrelid
 WHERE con.contype = 'f'
   AND con.conparentid = 0
   AND fn.nspname = 'auth'
   AND i.indisunique
   AND NOT i.indisprimary
   AND n.nspname <> ALL (%(supabase_schemas)s::text[])
 ORDER BY schema, name
 LIMIT %(limit)s
