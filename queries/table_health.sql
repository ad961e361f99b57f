-- Vacuum, analyze and transaction ID state of every table with storage (partitions one by one:
-- each is vacuumed on its own). When autovacuum will next fire is worked out from the server's
-- settings and the table's own storage parameters, the way the autovacuum launcher does:
--   dead tuples   > vacuum threshold  = base + scale factor x reltuples (PostgreSQL 18: capped by max)
--   inserts       > insert threshold  = base + scale factor x reltuples (18: x the unfrozen share)
--   changes       > analyze threshold = base + scale factor x reltuples
--   xid age       > autovacuum_freeze_max_age (the anti-wraparound vacuum, which runs even when off)
-- Live rows are the counter's, or after a statistics reset the catalog's (table_stats.sql; live_source).
-- With problems_only, only tables over a threshold of ours (dead ratio, never analyzed, autovacuum
-- off, xid age, sequential reads) come back.
WITH conf AS (
    SELECT current_setting('autovacuum')::bool AND current_setting('track_counts')::bool AS autovacuum,
           current_setting('autovacuum_vacuum_threshold')::float8            AS vac_base,
           current_setting('autovacuum_vacuum_scale_factor')::float8         AS vac_scale,
           current_setting('autovacuum_vacuum_max_threshold', true)::float8  AS vac_max,
           current_setting('autovacuum_vacuum_insert_threshold')::float8     AS ins_base,
           current_setting('autovacuum_vacuum_insert_scale_factor')::float8  AS ins_scale,
           current_setting('autovacuum_analyze_threshold')::float8           AS anl_base,
           current_setting('autovacuum_analyze_scale_factor')::float8        AS anl_scale,
           current_setting('autovacuum_freeze_max_age')::float8              AS freeze_max_age
), base AS (
    SELECT c.oid,
           n.nspname                                               AS schema,
           c.relname                                               AS name,
           quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS display,
           CASE WHEN c.relkind = 'm' THEN 'materialized view'
                WHEN c.relispartition THEN 'partition' ELSE 'table' END AS kind,
           CASE WHEN c.relispartition THEN
                (SELECT quote_ident(rn.nspname) || '.' || quote_ident(rc.relname)
                   FROM pg_class rc JOIN pg_namespace rn ON rn.oid = rc.relnamespace
                  WHERE rc.oid = pg_partition_root(c.oid)) END    AS partition_of,
           c.reltuples,
           greatest(c.reltuples, 0)                                AS rows,
           -- the catalog's page count; measured only where the catalog has none yet (never analyzed)
           CASE WHEN c.relpages > 0 THEN c.relpages::bigint * current_setting('block_size')::bigint
                ELSE pg_relation_size(c.oid) END                   AS heap_bytes,
           c.relpages,
           -- relallfrozen exists from PostgreSQL 18 on (queries/relallfrozen*.sql: NULL before)
           af.relallfrozen,
           greatest(age(c.relfrozenxid), age(t.relfrozenxid))     AS xid_age,
           o.*,
           s.live_rows AS n_live_tup, coalesce(s.live_source, 'counter') AS live_source,
           s.n_dead_tup, s.n_mod_since_analyze, s.n_ins_since_vacuum,
           s.seq_scan, s.seq_tup_read, s.idx_scan,
           s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze,
           s.vacuum_count, s.autovacuum_count, s.analyze_count, s.autoanalyze_count
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
      LEFT JOIN {query:table_stats} s ON s.relid = c.oid
      LEFT JOIN {query:relallfrozen} af ON af.oid = c.oid
      -- The table's own autovacuum storage parameters, NULL where it has none.
      LEFT JOIN LATERAL (
          SELECT max(option_value) FILTER (WHERE option_name = 'autovacuum_enabled')::bool   AS opt_enabled,
                 max(option_value) FILTER (WHERE option_name = 'autovacuum_vacuum_threshold')::float8 AS opt_vac_base,
                 max(option_value) FILTER (WHERE option_name = 'autovacuum_vacuum_scale_factor')::float8 AS opt_vac_scale,
                 max(option_value) FILTER (WHERE option_name = 'autovacuum_vacuum_max_threshold')::float8 AS opt_vac_max,
                 max(option_value) FILTER (WHERE option_name = 'autovacuum_vacuum_insert_threshold')::float8 AS opt_ins_base,
                 max(option_value) FILTER (WHERE option_name = 'autovacuum_vacuum_insert_scale_factor')::float8 AS opt_ins_scale,
                 max(option_value) FILTER (WHERE option_name = 'autovacuum_analyze_threshold')::float8 AS opt_anl_base,
                 max(option_value) FILTER (WHERE option_name = 'autovacuum_analyze_scale_factor')::float8 AS opt_anl_scale,
                 max(option_value) FILTER (WHERE option_name = 'autovacuum_freeze_max_age')::float8 AS opt_freeze_max_age
            FROM pg_options_to_table(c.reloptions)
      ) o ON true
     WHERE c.relkind IN ('r', 'm')
       AND c.relpersistence <> 't'
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\_toast%%'
), thresholds AS (
    SELECT b.*,
           conf.autovacuum AND coalesce(b.opt_enabled, true)       AS autovacuum_enabled,
           CASE WHEN coalesce(b.opt_vac_max, conf.vac_max, -1) >= 0
                THEN least(coalesce(b.opt_vac_base, conf.vac_base) + coalesce(b.opt_vac_scale, conf.vac_scale) * b.rows,
                           coalesce(b.opt_vac_max, conf.vac_max))
                ELSE coalesce(b.opt_vac_base, conf.vac_base) + coalesce(b.opt_vac_scale, conf.vac_scale) * b.rows
           END                                                     AS vacuum_threshold,
           CASE WHEN coalesce(b.opt_ins_base, conf.ins_base) >= 0 THEN
                coalesce(b.opt_ins_base, conf.ins_base) + coalesce(b.opt_ins_scale, conf.ins_scale) * b.rows
                * CASE WHEN b.relallfrozen IS NOT NULL AND b.relpages > 0
                       THEN 1 - least(b.relallfrozen, b.relpages) / b.relpages ELSE 1 END
           END                                                     AS insert_threshold,
           coalesce(b.opt_anl_base, conf.anl_base) + coalesce(b.opt_anl_scale, conf.anl_scale) * b.rows
                                                                   AS analyze_threshold,
           least(coalesce(b.opt_freeze_max_age, conf.freeze_max_age), conf.freeze_max_age) AS freeze_max_age
      FROM base b CROSS JOIN conf
), judged AS (
    SELECT h.*,
           h.n_dead_tup::float8 / nullif(h.n_live_tup + h.n_dead_tup, 0)               AS dead_ratio,
           h.n_dead_tup / nullif(h.vacuum_threshold, 0)                                AS vacuum_progress,
           h.n_ins_since_vacuum / nullif(h.insert_threshold, 0)                        AS insert_progress,
           CASE WHEN h.kind <> 'materialized view' THEN h.n_mod_since_analyze / nullif(h.analyze_threshold, 0) END
                                                                                       AS analyze_progress,
           h.xid_age / nullif(h.freeze_max_age, 0)                                     AS freeze_progress,
           -- Never analyzed: PostgreSQL 14+ marks a table never vacuumed nor analyzed with reltuples -1
           -- (in the catalog, so a statistics reset does not fake it). A table vacuumed but never
           -- analyzed is not caught: autovacuum analyzes such a table soon after anyway.
           h.heap_bytes > 0 AND h.reltuples < 0                                        AS never_analyzed,
           h.seq_tup_read::float8 / nullif(h.seq_scan, 0)                              AS rows_per_seq_scan
      FROM thresholds h
), ranked AS (
    SELECT j.*,
           greatest(j.vacuum_progress, j.insert_progress, j.analyze_progress, j.freeze_progress) AS fire_progress
      FROM judged j
     WHERE (%(search)s::text IS NULL
            OR strpos(lower(j.schema || '.' || j.name), lower(%(search)s::text)) > 0)
       AND (NOT %(problems_only)s::bool
            OR (j.dead_ratio > %(dead_ratio)s::float8 AND j.n_dead_tup >= %(min_dead)s::bigint)
            OR j.never_analyzed
            OR (NOT j.autovacuum_enabled AND j.kind <> 'materialized view')
            OR j.xid_age >= %(xid_age)s::bigint
            OR (j.rows_per_seq_scan >= %(seq_min_rows)s::float8 AND j.seq_scan >= %(seq_min_scans)s::bigint))
)
SELECT r.*,
       r.last_vacuum IS NULL AND r.last_autovacuum IS NULL                         AS never_vacuumed,
       count(*) FILTER (WHERE r.last_vacuum IS NULL AND r.last_autovacuum IS NULL) OVER () AS never_vacuumed_total,
       count(*) FILTER (WHERE r.last_analyze IS NULL AND r.last_autoanalyze IS NULL) OVER () AS never_analyzed_total,
       count(*) OVER () AS total
  FROM ranked r
 ORDER BY CASE %(sort)s::text
              WHEN 'fire_progress' THEN r.fire_progress
              WHEN 'dead_ratio' THEN r.dead_ratio
              WHEN 'dead_tup' THEN r.n_dead_tup::float8
              WHEN 'xid_age' THEN r.xid_age::float8
              WHEN 'seq_tup_read' THEN r.seq_tup_read::float8
              -- never vacuumed first (as far as the statistics remember), then the longest ago
              WHEN 'vacuum_age' THEN coalesce(extract(epoch FROM now() - greatest(r.last_vacuum, r.last_autovacuum)),
                                              'Infinity')::float8
          END DESC NULLS LAST,
          r.schema, r.name
 LIMIT %(limit)s OFFSET %(offset)s
