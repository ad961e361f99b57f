-- One row per table as a person thinks of it: a partitioned table is one row holding all its
-- partitions. Sizes are measured now; rows are the planner's estimate (reltuples, kept by VACUUM and
-- ANALYZE, so a statistics reset does not zero them). Searched, sorted and paged here, not in Python.
WITH rel AS (
    SELECT c.oid,
           CASE WHEN c.relispartition THEN pg_partition_root(c.oid) ELSE c.oid END AS top
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'm')
       AND c.relpersistence <> 't'
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\_toast%%'
), leaf AS (
    SELECT r.top,
           count(*) FILTER (WHERE r.oid <> r.top)                                     AS partitions,
           sum(greatest(c.reltuples, 0))                                              AS rows,
           sum(pg_table_size(c.oid) - coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0))
                                                                                      AS heap_bytes,
           sum(coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0))       AS toast_bytes,
           sum(pg_indexes_size(c.oid))                                                AS index_bytes,
           sum(s.seq_scan)::bigint                                                       AS seq_scan,
           sum(s.seq_tup_read)::bigint                                                   AS seq_tup_read,
           sum(s.idx_scan)::bigint                                                       AS idx_scan,
           sum(s.n_tup_ins)::bigint                                                      AS inserts,
           sum(s.n_tup_upd)::bigint                                                      AS updates,
           sum(s.n_tup_del)::bigint                                                      AS deletes,
           sum(s.n_tup_hot_upd)::bigint                                                  AS hot_updates,
           sum(s.n_live_tup)::bigint                                                     AS live_tup,
           sum(s.n_dead_tup)::bigint                                                     AS dead_tup,
           sum(io.heap_blks_hit)::bigint                                                 AS heap_blks_hit,
           sum(io.heap_blks_read)::bigint                                                AS heap_blks_read,
           sum(io.idx_blks_hit)::bigint                                                  AS idx_blks_hit,
           sum(io.idx_blks_read)::bigint                                                 AS idx_blks_read,
           max(age(c.relfrozenxid)) FILTER (WHERE c.relkind <> 'p')                   AS xid_age,
           max(greatest(s.last_vacuum, s.last_autovacuum))                            AS last_vacuum,
           max(greatest(s.last_analyze, s.last_autoanalyze))                          AS last_analyze
      FROM rel r
      JOIN pg_class c ON c.oid = r.oid
      LEFT JOIN pg_stat_user_tables s ON s.relid = r.oid
      LEFT JOIN pg_statio_user_tables io ON io.relid = r.oid
     GROUP BY r.top
), listed AS (
    SELECT c.oid,
           n.nspname                                            AS schema,
           c.relname                                            AS name,
           quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS display,
           CASE c.relkind WHEN 'p' THEN 'partitioned' WHEN 'm' THEN 'materialized view' ELSE 'table' END AS kind,
           l.partitions, l.rows::float8 AS rows, l.heap_bytes::bigint AS heap_bytes,
           l.toast_bytes::bigint AS toast_bytes, l.index_bytes::bigint AS index_bytes,
           (l.heap_bytes + l.toast_bytes + l.index_bytes)::bigint AS total_bytes,
           l.seq_scan, l.seq_tup_read, l.idx_scan, l.inserts, l.updates, l.deletes, l.hot_updates,
           l.hot_updates::float8 / nullif(l.updates, 0)         AS hot_ratio,
           l.live_tup, l.dead_tup,
           l.dead_tup::float8 / nullif(l.live_tup + l.dead_tup, 0) AS dead_ratio,
           l.heap_blks_hit, l.heap_blks_read, l.idx_blks_hit, l.idx_blks_read,
           l.heap_blks_hit::float8 / nullif(l.heap_blks_hit + l.heap_blks_read, 0) AS heap_hit_ratio,
           l.xid_age, l.last_vacuum, l.last_analyze
      FROM leaf l
      JOIN pg_class c ON c.oid = l.top
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE (%(schema)s::text IS NULL OR n.nspname = %(schema)s::text)
       AND (%(kind)s::text IS NULL OR c.relkind = %(kind)s::"char")
       AND (%(search)s::text IS NULL
            OR strpos(lower(n.nspname || '.' || c.relname), lower(%(search)s::text)) > 0)
       AND l.rows >= %(min_rows)s::float8
)
SELECT listed.*, count(*) OVER () AS total
  FROM listed
 ORDER BY CASE %(sort)s::text
              WHEN 'total_bytes' THEN total_bytes::float8
              WHEN 'rows' THEN rows::float8
              WHEN 'dead_tup' THEN dead_tup::float8
              WHEN 'dead_ratio' THEN dead_ratio
              WHEN 'seq_tup_read' THEN seq_tup_read::float8
              WHEN 'seq_scan' THEN seq_scan::float8
              WHEN 'idx_scan' THEN idx_scan::float8
              WHEN 'writes' THEN (inserts + updates + deletes)::float8
              WHEN 'heap_blks_read' THEN (heap_blks_read + idx_blks_read)::float8
              WHEN 'xid_age' THEN xid_age::float8
          END DESC NULLS LAST,
          schema, name
 LIMIT %(limit)s OFFSET %(offset)s
