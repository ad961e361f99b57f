-- The busiest statements of this database with their whole text, one row per normalized text, for
-- what reads the SQL itself (lint, performance targets, N+1). Texts longer than %(max_bytes)s bytes come
-- back NULL (with their size): parsing megabytes of SQL on every page load is not worth it.
WITH mine AS (
    SELECT s.queryid, s.calls, s.total_exec_time, s.rows,
           hashtextextended(s.query, 0)                                 AS text_hash,
           octet_length(s.query)                                        AS query_bytes,
           -- only texts short enough to parse travel further: this CTE is read twice
           CASE WHEN octet_length(s.query) <= %(max_bytes)s THEN s.query END AS query
      FROM {pgss}.pg_stat_statements s
     WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND s.toplevel
       AND s.queryid IS NOT NULL
       AND s.query IS NOT NULL
       AND strpos(s.query, '/* pgpulse */') = 0  -- the app's own statements, tagged
),
grouped AS (
    SELECT text_hash,
           array_agg(DISTINCT queryid)                             AS queryids,
           sum(calls)::bigint                                      AS calls,
           sum(total_exec_time)                                    AS total_exec_ms,
           sum(rows)::bigint                                       AS rows,
           sum(sum(total_exec_time)) OVER ()                       AS load_ms
      FROM mine
     GROUP BY text_hash
),
busiest AS (
    SELECT * FROM grouped ORDER BY total_exec_ms DESC, text_hash LIMIT %(limit)s
),
picked AS (
    -- the text, and the queryid that carries most of the time, of each busy statement
    SELECT DISTINCT ON (b.text_hash) b.*, m.queryid, m.query, m.query_bytes
      FROM busiest b
      JOIN mine m ON m.text_hash = b.text_hash
     ORDER BY b.text_hash, m.total_exec_time DESC
)
SELECT queryid,
       queryids,
       query,
       query_bytes,
       calls,
       total_exec_ms,
       total_exec_ms / nullif(calls, 0)                          AS mean_exec_ms,
       rows,
       rows::float8 / nullif(calls, 0)                           AS rows_per_call,
       total_exec_ms / nullif(load_ms, 0)                        AS load_share
  FROM picked
 ORDER BY total_exec_ms DESC, queryid
