-- pgpulse's own objects in this database, which no finding may name: the tables of a pgpulse store kept
-- here (`[pgpulse] store_url` pointing at the monitored database: the schema holding
-- pgpulse_schema_migrations, tables named in %(names)s), the demo's own schema pgpulse_demo, and their
-- indexes, constraints and sequences. Rows: the display name (schema.name, quoted as the checks quote it).
WITH owned AS (
    SELECT c.oid
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'm')
       AND (n.nspname = 'pgpulse_demo'
            OR (c.relname = ANY(%(names)s::text[])
                AND EXISTS (SELECT 1 FROM pg_class m
                             WHERE m.relnamespace = c.relnamespace AND m.relname = 'pgpulse_schema_migrations'
                               AND m.relkind IN ('r', 'p'))))
),
related AS (
    SELECT oid FROM owned
    UNION
    SELECT i.indexrelid FROM pg_index i WHERE i.indrelid IN (SELECT oid FROM owned)
    UNION  -- sequences of serial and identity columns
    SELECT d.objid FROM pg_depend d
     WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
       AND d.refobjid IN (SELECT oid FROM owned) AND d.deptype IN ('a', 'i')
)
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS display
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.oid IN (SELECT oid FROM related)
UNION
SELECT quote_ident(n.nspname) || '.' || quote_ident(k.conname)
  FROM pg_constraint k
  JOIN pg_namespace n ON n.oid = k.connamespace
 WHERE k.conrelid IN (SELECT oid FROM owned)
