-- Foreign keys whose referencing columns no index leads with (in any order): every delete or key
-- update on the referenced table, and every join on the key, reads the whole referencing table.
-- Only top-level constraints (a partition's copy of its parent's key is reported once, on the
-- parent); an index counts when it is valid, not partial, btree (or hash on a one-column key).
SELECT con.oid,
       n.nspname                                                      AS schema,
       con.conname                                                    AS name,
       quote_ident(n.nspname) || '.' || quote_ident(con.conname)      AS display,
       c.relname                                                      AS table_name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname)        AS table_display,
       c.relkind = 'p'                                                AS partitioned,
       ARRAY(SELECT a.attname::text
               FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, pos)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
              ORDER BY k.pos)                                         AS columns,
       quote_ident(fn.nspname) || '.' || quote_ident(f.relname)       AS referenced_display,
       greatest(c.reltuples, 0)::float8                               AS table_rows,
       (c.relpages::bigint + coalesce(t.relpages, 0)
        + coalesce((SELECT sum(ic.relpages) FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                     WHERE i.indrelid = c.oid), 0)) * current_setting('block_size')::bigint
                                                                      AS table_bytes,  -- catalog pages: no lock
       greatest(f.reltuples, 0)::float8                               AS referenced_rows,
       s.seq_scan,
       s.seq_tup_read,
       count(*) OVER ()                                               AS total
  FROM pg_constraint con
  JOIN pg_class c ON c.oid = con.conrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
  JOIN pg_class f ON f.oid = con.confrelid
  JOIN pg_namespace fn ON fn.oid = f.relnamespace
  LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
 WHERE con.contype = 'f'
   AND con.conparentid = 0
   AND c.relpersistence <> 't'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%%'
   AND NOT EXISTS (
       SELECT 1
         FROM pg_index i
         JOIN pg_class ic ON ic.oid = i.indexrelid
         JOIN pg_am am ON am.oid = ic.relam
        WHERE i.indrelid = con.conrelid
          AND i.indisvalid
          AND i.indpred IS NULL
          AND i.indnkeyatts >= cardinality(con.conkey)
          AND (am.amname = 'btree' OR (am.amname = 'hash' AND cardinality(con.conkey) = 1))
          AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(con.conkey)] @> con.conkey
          AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(con.conkey)] <@ con.conkey)
 ORDER BY table_rows DESC, schema, name
 LIMIT %(limit)s
