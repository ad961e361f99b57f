-- What the index advisor needs to know about the tables its statements read (qualified by
-- schemas[i].names[i]): size, writes per day (as extra index maintenance), each column's planner
-- statistics (pg_stats: what a value selects, representative values for $n), and each index's keys
-- as PostgreSQL prints them (pg_get_indexdef per key: a column, or an expression such as lower(email)),
-- INCLUDE columns and partial predicate.
SELECT c.oid::bigint                                                     AS oid,
       n.nspname                                                         AS schema,
       c.relname                                                         AS name,
       c.relkind                                                         AS kind,
       greatest(coalesce(nullif(c.reltuples, -1), st.n_live_tup, 0), 0)::float8 AS reltuples,
       c.relpages::bigint                                                AS relpages,
       (coalesce(st.n_tup_ins, 0) + coalesce(st.n_tup_upd, 0) + coalesce(st.n_tup_del, 0))::float8
         / greatest(extract(epoch FROM now() - coalesce(
               (SELECT d.stats_reset FROM pg_stat_database d WHERE d.datname = current_database()),
               pg_postmaster_start_time())) / 86400.0, 1.0 / 24)      AS writes_per_day,
       coalesce((SELECT json_agg(json_build_object(
                    'name', a.attname::text,
                    'type', format_type(a.atttypid, a.atttypmod),
                    'avg_width', s.avg_width,
                    'null_frac', s.null_frac,
                    'n_distinct', s.n_distinct,
                    'mcv', s.most_common_vals::text::text[],
                    'mcf', s.most_common_freqs,
                    'histogram', s.histogram_bounds::text::text[]) ORDER BY a.attnum)
                   FROM pg_attribute a
                   LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname
                                       AND s.attname = a.attname AND NOT s.inherited
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]')  AS columns,
       coalesce((SELECT json_agg(json_build_object(
                    'name', ic.relname,
                    'method', am.amname,
                    'valid', i.indisvalid AND i.indisready,
                    'unique', i.indisunique,
                    'keys', (SELECT array_agg(pg_get_indexdef(i.indexrelid, k, true) ORDER BY k)
                               FROM generate_series(1, i.indnkeyatts) AS k),
                    'include', (SELECT array_agg(pg_get_indexdef(i.indexrelid, k, true) ORDER BY k)
                                  FROM generate_series(i.indnkeyatts + 1, i.indnatts) AS k),
                    'predicate', pg_get_expr(i.indpred, i.indrelid, true)) ORDER BY ic.relname)
                   FROM pg_index i
                   JOIN pg_class ic ON ic.oid = i.indexrelid
                   JOIN pg_am am ON am.oid = ic.relam
                  WHERE i.indrelid = c.oid), '[]')                      AS indexes
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_stat_all_tables st ON st.relid = c.oid
 WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest(%(schemas)s::name[], %(names)s::name[]))
 ORDER BY 2, 3
