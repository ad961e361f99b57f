-- Every counter of one statement, summed over the queryids that share its normalized text, with the
-- whole text. No row when the statement is gone (reset or evicted).
WITH mine AS (
    -- the text stays only on the requested row: this CTE is read twice, and texts can be megabytes
    SELECT userid, queryid, calls, total_exec_time, min_exec_time, max_exec_time, mean_exec_time,
           stddev_exec_time, plans, total_plan_time, min_plan_time, max_plan_time, rows,
           shared_blks_hit, shared_blks_read, shared_blks_dirtied, shared_blks_written, local_blks_hit,
           local_blks_read, temp_blks_read, temp_blks_written, io_read_ms, io_write_ms, temp_io_ms,
           wal_records, wal_fpi, wal_bytes, jit_functions, jit_ms, stats_since,
           CASE WHEN queryid = %(queryid)s THEN query END                      AS query,
           hashtextextended(query, 0)                                           AS text_hash
      FROM {query:pgss_rows} s
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND toplevel
       AND queryid IS NOT NULL
       AND (query IS NULL OR strpos(query, '/* pgpulse */') = 0)  -- the app's own, tagged
),
statement AS (
    -- every queryid recorded for the same normalized text (several when parameter types differ)
    SELECT * FROM mine
     WHERE queryid = %(queryid)s
        OR text_hash = (SELECT text_hash FROM mine WHERE queryid = %(queryid)s AND text_hash IS NOT NULL LIMIT 1)
)
SELECT
    %(queryid)s::bigint                                                 AS queryid,
    array_agg(DISTINCT s.queryid)                                       AS queryids,
    string_agg(DISTINCT r.rolname, ', ')                                AS roles,
    max(s.query)                                                        AS query,
    sum(s.calls)::bigint                                                AS calls,
    sum(s.total_exec_time)                                              AS total_exec_ms,
    sum(s.total_exec_time) / nullif(sum(s.calls), 0)                    AS mean_exec_ms,
    min(s.min_exec_time)                                                AS min_exec_ms,
    max(s.max_exec_time)                                                AS max_exec_ms,
    sqrt(greatest(sum(s.calls * (s.stddev_exec_time ^ 2 + s.mean_exec_time ^ 2)) / nullif(sum(s.calls), 0)
                  - (sum(s.total_exec_time) / nullif(sum(s.calls), 0)) ^ 2, 0)) AS stddev_exec_ms,
    sum(s.plans)::bigint                                                AS plans,
    sum(s.total_plan_time)                                              AS total_plan_ms,
    sum(s.total_plan_time) / nullif(sum(s.plans), 0)                    AS mean_plan_ms,
    min(s.min_plan_time) FILTER (WHERE s.plans > 0)                     AS min_plan_ms,
    max(s.max_plan_time)                                                AS max_plan_ms,
    sum(s.rows)::bigint                                                 AS rows,
    sum(s.rows)::float8 / nullif(sum(s.calls), 0)                       AS rows_per_call,
    sum(s.total_exec_time) / nullif((SELECT sum(total_exec_time) FROM mine), 0) AS load_share,
    sum(s.shared_blks_hit)::bigint                                      AS shared_blks_hit,
    sum(s.shared_blks_read)::bigint                                     AS shared_blks_read,
    sum(s.shared_blks_dirtied)::bigint                                  AS shared_blks_dirtied,
    sum(s.shared_blks_written)::bigint                                  AS shared_blks_written,
    sum(s.shared_blks_hit)::float8 / nullif(sum(s.shared_blks_hit + s.shared_blks_read), 0) AS hit_ratio,
    sum(s.local_blks_hit + s.local_blks_read)::bigint                   AS local_blks,
    sum(s.temp_blks_read)::bigint                                       AS temp_blks_read,
    sum(s.temp_blks_written)::bigint                                    AS temp_blks_written,
    (sum(s.temp_blks_written) * current_setting('block_size')::bigint)::bigint AS temp_written_bytes,
    sum(s.io_read_ms)                                                   AS io_read_ms,
    sum(s.io_write_ms)                                                  AS io_write_ms,
    sum(s.temp_io_ms)                                                   AS temp_io_ms,
    sum(s.wal_records)::bigint                                          AS wal_records,
    sum(s.wal_fpi)::bigint                                              AS wal_fpi,
    sum(s.wal_bytes)::float8                                            AS wal_bytes,
    sum(s.jit_functions)::bigint                                        AS jit_functions,
    sum(s.jit_ms)                                                       AS jit_ms,
    min(s.stats_since)                                                  AS stats_since,
    sum(s.total_exec_time) / nullif(sum(s.calls), 0) > %(slow_ms)s      AS slow
  FROM statement s
  LEFT JOIN pg_roles r ON r.oid = s.userid
HAVING count(*) > 0
