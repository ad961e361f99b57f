-- Maintenance running now, with PostgreSQL's own progress counters (pg_stat_progress_*).
SELECT p.pid, p.datname, p.command, p.phase, p.relation, p.done, p.total, p.unit,
       extract(epoch FROM now() - a.query_start)::float8 AS running_s,
       a.query
  FROM (
        SELECT v.pid, v.datname, 'VACUUM' AS command, v.phase, v.relid::regclass::text AS relation,
               v.heap_blks_scanned AS done, v.heap_blks_total AS total, 'heap blocks scanned' AS unit
          FROM pg_stat_progress_vacuum v
        UNION ALL
        SELECT c.pid, c.datname, c.command, c.phase, c.relid::regclass::text,
               CASE WHEN c.blocks_total > 0 THEN c.blocks_done ELSE c.tuples_done END,
               CASE WHEN c.blocks_total > 0 THEN c.blocks_total ELSE c.tuples_total END,
               CASE WHEN c.blocks_total > 0 THEN 'blocks' ELSE 'tuples' END
          FROM pg_stat_progress_create_index c
        UNION ALL
        SELECT z.pid, z.datname, 'ANALYZE', z.phase, z.relid::regclass::text,
               z.sample_blks_scanned, z.sample_blks_total, 'sample blocks'
          FROM pg_stat_progress_analyze z
        UNION ALL
        SELECT k.pid, k.datname, k.command, k.phase, k.relid::regclass::text,
               k.heap_blks_scanned, k.heap_blks_total, 'heap blocks scanned'
          FROM pg_stat_progress_cluster k
       ) p
  LEFT JOIN pg_stat_activity a ON a.pid = p.pid
 ORDER BY p.pid
