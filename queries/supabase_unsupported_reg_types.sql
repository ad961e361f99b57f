-- unsupported_reg_types: columns of tables and materialized views whose type is one of the reg* types
-- that store an OID pg_upgrade cannot carry over (it refuses to upgrade such a database). regclass,
-- regtype and regrole are fine. Every schema but the system's: pg_upgrade checks them all.
SELECT n.nspname                                                      AS schema,
       c.relname                                                      AS name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' || quote_ident(a.attname)
                                                                      AS display,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname)        AS table_display,
       a.attname::text                                                AS column_name,
       t.typname::text                                                AS type,
       count(*) OVER ()                                               AS total
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_type t ON t.oid = a.atttypid
 WHERE a.attnum > 0
   AND NOT a.attisdropped
   AND c.relkind IN ('r', 'p', 'm')
   AND t.typnamespace = 'pg_catalog'::regnamespace
   AND t.typname IN ('regcollation', 'regconfig', 'regdictionary', 'regnamespace', 'regoper', 'regoperator',
                     'regproc', 'regprocedure')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_%%'
 ORDER BY schema, name, a.attnum
 LIMIT %(limit)s
