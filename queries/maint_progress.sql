-- Progress of one backend's maintenance command (VACUUM FULL reports as CLUSTER does): phase and blocks (or tuples) done out of total.
SELECT 'VACUUM' AS command, phase, relid::bigint AS relid,
       heap_blks_total AS blocks_total,
       CASE WHEN phase = 'vacuuming heap' THEN heap_blks_vacuumed ELSE heap_blks_scanned END AS blocks_done,
       NULL::bigint AS tuples_total, NULL::bigint AS tuples_done
FROM pg_stat_progress_vacuum WHERE pid = %(pid)s
UNION ALL
SELECT command, phase, relid::bigint, blocks_total, blocks_done, tuples_total, tuples_done
FROM pg_stat_progress_create_index WHERE pid = %(pid)s
UNION ALL
SELECT command, phase, relid::bigint, heap_blks_total, heap_blks_scanned, NULL::bigint, heap_tuples_written
FROM pg_stat_progress_cluster WHERE pid = %(pid)s
UNION ALL
SELECT 'ANALYZE', phase, relid::bigint, sample_blks_total, sample_blks_scanned, NULL::bigint, NULL::bigint
FROM pg_stat_progress_analyze WHERE pid = %(pid)s
