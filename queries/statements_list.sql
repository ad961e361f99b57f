-- One page of the statements explorer: this database's top-level statements,
-- one row per normalized text, filtered, sorted and paged here so thousands of statements stay cheap.
-- Texts are cut to %(text_chars)s characters; the drill-down (statement_detail) shows them whole.
WITH mine AS (
    -- the whole text stays out of this CTE (it is read twice, so PostgreSQL materializes it)
    SELECT userid, queryid, calls, total_exec_time, min_exec_time, max_exec_time, mean_exec_time,
           stddev_exec_time, plans, total_plan_time, rows, shared_blks_hit, shared_blks_read,
           temp_blks_read, temp_blks_written, io_read_ms + io_write_ms AS io_ms, temp_io_ms, wal_bytes,
           jit_functions, jit_ms,
           -- psycopg binds ints as int2/int4/int8, so one statement can have several queryids: one row
           -- per text. Hidden texts (NULL queryid) stay one row per role; a missing text keeps its queryid.
           CASE WHEN queryid IS NULL THEN 'h' || userid
                WHEN query IS NULL THEN 'q' || queryid
                ELSE 't' || hashtextextended(query, 0) END                     AS text_key,
           -- the leading keyword only (after comments and parentheses), so the kind filter can run here
           -- over thousands of texts; what a statement does is decided by the parser in lib/statements/targets.py
           lower(substring(left(query, 2000) FROM '^(?:\s|/\*.*?\*/|--[^\n]*|\()*([A-Za-z]+)')) AS lead_word,
           left(query, %(text_chars)s)                                          AS snippet,
           octet_length(query)                                                  AS query_bytes,
           %(search)s::text = '' OR strpos(lower(query), lower(%(search)s::text)) > 0
               OR queryid::text = %(search)s::text                              AS matches
      FROM {query:pgss_rows} s
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND toplevel
       AND (query IS NULL OR strpos(query, '/* pgpulse */') = 0)  -- the app's own, tagged
),
load AS (
    SELECT sum(total_exec_time) AS total FROM mine
),
grouped AS (
    SELECT
        (array_agg(m.queryid ORDER BY m.total_exec_time DESC))[1]  AS queryid,
        array_agg(DISTINCT m.queryid) FILTER (WHERE m.queryid IS NOT NULL) AS queryids,
        bool_or(m.queryid IS NULL)                                  AS hidden,
        min(m.snippet)                                              AS query,
        max(m.query_bytes)                                          AS query_bytes,
        min(m.lead_word)                                            AS lead_word,
        bool_or(m.matches)                                          AS matches,
        string_agg(DISTINCT r.rolname, ', ')                        AS roles,
        sum(m.calls)::bigint                                        AS calls,
        sum(m.total_exec_time)                                      AS total_exec_ms,
        min(m.min_exec_time)                                        AS min_exec_ms,
        max(m.max_exec_time)                                        AS max_exec_ms,
        -- for the pooled standard deviation: E[x²] - E[x]²
        sum(m.calls * (m.stddev_exec_time ^ 2 + m.mean_exec_time ^ 2))            AS sum_sq,
        sum(m.plans)::bigint                                        AS plans,
        sum(m.total_plan_time)                                      AS total_plan_ms,
        sum(m.rows)::bigint                                         AS rows,
        sum(m.shared_blks_hit)::bigint                              AS shared_blks_hit,
        sum(m.shared_blks_read)::bigint                             AS shared_blks_read,
        sum(m.temp_blks_read)::bigint                               AS temp_blks_read,
        sum(m.temp_blks_written)::bigint                            AS temp_blks_written,
        sum(m.io_ms)                                                AS io_ms,
        sum(m.temp_io_ms)                                           AS temp_io_ms,
        sum(m.wal_bytes)                                            AS wal_bytes,
        sum(m.jit_functions)::bigint                                AS jit_functions,
        sum(m.jit_ms)                                               AS jit_ms
      FROM mine m
      LEFT JOIN pg_roles r ON r.oid = m.userid
     WHERE %(role)s::text IS NULL OR r.rolname = %(role)s::text
     GROUP BY m.text_key
),
described AS (
    SELECT g.*,
           CASE WHEN g.hidden OR g.query IS NULL THEN 'unknown'
                WHEN g.lead_word IN ('select', 'with', 'values', 'table') THEN 'select'
                WHEN g.lead_word IN ('insert', 'update', 'delete', 'merge') THEN g.lead_word
                WHEN g.lead_word = ANY(%(maintenance_words)s::text[]) THEN 'maintenance'
                ELSE 'utility' END                                  AS kind
      FROM grouped g
     WHERE g.calls >= %(min_calls)s AND g.matches
)
SELECT
    d.queryid::text                                                     AS queryid,  -- exact: see lib/statements/explorer.py
    d.queryids,
    d.hidden,
    d.query,
    d.query_bytes,
    d.kind,
    d.roles,
    d.calls,
    d.total_exec_ms,
    d.total_exec_ms / nullif(d.calls, 0)                                AS mean_exec_ms,
    d.min_exec_ms,
    d.max_exec_ms,
    sqrt(greatest(d.sum_sq / nullif(d.calls, 0) - (d.total_exec_ms / nullif(d.calls, 0)) ^ 2, 0)) AS stddev_exec_ms,
    d.plans,
    d.total_plan_ms / nullif(d.plans, 0)                                AS mean_plan_ms,
    d.rows,
    d.rows::float8 / nullif(d.calls, 0)                                 AS rows_per_call,
    d.total_exec_ms / nullif((SELECT total FROM load), 0)               AS load_share,
    d.shared_blks_hit,
    d.shared_blks_read,
    d.shared_blks_hit::float8 / nullif(d.shared_blks_hit + d.shared_blks_read, 0) AS hit_ratio,
    d.temp_blks_written * current_setting('block_size')::bigint         AS temp_written_bytes,
    d.io_ms,
    d.temp_io_ms,
    d.wal_bytes::float8                                                 AS wal_bytes,
    d.jit_functions,
    d.jit_ms,
    d.total_exec_ms / nullif(d.calls, 0) > %(slow_ms)s AND d.kind <> 'maintenance' AS slow,
    count(*) OVER ()                                                    AS matching
  FROM described d
 WHERE (cardinality(%(kinds)s::text[]) = 0 AND d.kind <> 'maintenance')  -- listed apart unless asked for
    OR d.kind = ANY(%(kinds)s::text[])
 ORDER BY CASE %(sort)s::text
              WHEN 'mean' THEN d.total_exec_ms / nullif(d.calls, 0)
              WHEN 'calls' THEN d.calls::float8
              WHEN 'io' THEN d.io_ms + d.temp_io_ms
              WHEN 'temp' THEN d.temp_blks_written::float8
              ELSE d.total_exec_ms END DESC NULLS LAST,
          CASE WHEN %(sort)s::text = 'io' THEN d.shared_blks_read + d.temp_blks_read END DESC NULLS LAST,
          d.total_exec_ms DESC,
          d.queryid
 LIMIT %(limit)s OFFSET %(offset)s
