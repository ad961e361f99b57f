-- One row per table as a person thinks of it: a partitioned table is one row holding all its
-- partitions. Searched, sorted and paged here. Sorting and totals use the catalog's page counts
-- (relpages, current as of each relation's last VACUUM, ANALYZE or index build: cheap for 10,000
-- tables); the rows of the page returned are then measured now (pg_table_size and friends open every
-- relation they size, too slow to do for the whole catalog). Rows are the planner's estimate
-- (reltuples, which a statistics reset does not zero). Live rows for the dead ratio: the counter, or after
-- a statistics reset with no VACUUM/ANALYZE since, the catalog's (table_stats.sql; live_source).
WITH rel AS (
    SELECT c.oid,
           CASE WHEN c.relispartition THEN pg_partition_root(c.oid) ELSE c.oid END AS top
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'm')
       AND c.relpersistence <> 't'
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\_toast%%'
), wanted AS (
    -- Filter on the table as listed (search, schema, kind) before adding anything up.
    SELECT r.oid, r.top
      FROM rel r
      JOIN pg_class tc ON tc.oid = r.top
      JOIN pg_namespace tn ON tn.oid = tc.relnamespace
     WHERE (%(schema)s::text IS NULL OR tn.nspname = %(schema)s::text)
       AND (%(kind)s::text IS NULL OR tc.relkind = %(kind)s::"char")
       AND (%(search)s::text IS NULL
            OR strpos(lower(tn.nspname || '.' || tc.relname), lower(%(search)s::text)) > 0)
), leaf AS (
    SELECT w.top,
           count(*) FILTER (WHERE w.oid <> w.top)                                     AS partitions,
           sum(greatest(c.reltuples, 0)) FILTER (WHERE c.relkind <> 'p')              AS rows,
           sum(c.relpages::bigint + coalesce(t.relpages, 0) + coalesce(ix.pages, 0)) AS pages,
           sum(s.seq_scan)::bigint                                                    AS seq_scan,
           sum(s.seq_tup_read)::bigint                                                AS seq_tup_read,
           sum(s.idx_scan)::bigint                                                    AS idx_scan,
           sum(s.n_tup_ins)::bigint                                                   AS inserts,
           sum(s.n_tup_upd)::bigint                                                   AS updates,
           sum(s.n_tup_del)::bigint                                                   AS deletes,
           sum(s.n_tup_hot_upd)::bigint                                               AS hot_updates,
           sum(s.live_rows)::bigint                                                   AS live_tup,
           CASE WHEN bool_or(s.live_source = 'catalog') THEN 'catalog' ELSE 'counter' END AS live_source,
           sum(s.n_dead_tup)::bigint                                                  AS dead_tup,
           sum(io.heap_blks_hit)::bigint                                              AS heap_blks_hit,
           sum(io.heap_blks_read)::bigint                                             AS heap_blks_read,
           sum(io.idx_blks_hit)::bigint                                               AS idx_blks_hit,
           sum(io.idx_blks_read)::bigint                                              AS idx_blks_read,
           max(age(c.relfrozenxid)) FILTER (WHERE c.relkind <> 'p')                   AS xid_age,
           max(greatest(s.last_vacuum, s.last_autovacuum))                            AS last_vacuum,
           max(greatest(s.last_analyze, s.last_autoanalyze))                          AS last_analyze
      FROM wanted w
      JOIN pg_class c ON c.oid = w.oid
      LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
      LEFT JOIN (SELECT i.indrelid, sum(ic.relpages)::bigint AS pages
                   FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                  GROUP BY i.indrelid) ix ON ix.indrelid = c.oid
      LEFT JOIN {query:table_stats} s ON s.relid = w.oid
      LEFT JOIN pg_statio_user_tables io ON io.relid = w.oid
     GROUP BY w.top
), listed AS (
    SELECT c.oid,
           n.nspname                                            AS schema,
           c.relname                                            AS name,
           quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS display,
           CASE c.relkind WHEN 'p' THEN 'partitioned' WHEN 'm' THEN 'materialized view' ELSE 'table' END AS kind,
           l.partitions, l.rows::float8 AS rows,
           l.pages * current_setting('block_size')::bigint       AS catalog_bytes,
           l.seq_scan, l.seq_tup_read, l.idx_scan, l.inserts, l.updates, l.deletes, l.hot_updates,
           l.hot_updates::float8 / nullif(l.updates, 0)         AS hot_ratio,
           l.live_tup, l.live_source, l.dead_tup,
           l.dead_tup::float8 / nullif(l.live_tup + l.dead_tup, 0) AS dead_ratio,
           l.heap_blks_hit, l.heap_blks_read, l.idx_blks_hit, l.idx_blks_read,
           l.heap_blks_hit::float8 / nullif(l.heap_blks_hit + l.heap_blks_read, 0) AS heap_hit_ratio,
           l.xid_age, l.last_vacuum, l.last_analyze
      FROM leaf l
      JOIN pg_class c ON c.oid = l.top
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE l.rows >= %(min_rows)s::float8
), page AS (
    SELECT listed.*,
           CASE %(sort)s::text
                WHEN 'total_bytes' THEN catalog_bytes::float8
                WHEN 'rows' THEN rows::float8
                WHEN 'dead_tup' THEN dead_tup::float8
                WHEN 'dead_ratio' THEN dead_ratio
                WHEN 'seq_tup_read' THEN seq_tup_read::float8
                WHEN 'seq_scan' THEN seq_scan::float8
                WHEN 'idx_scan' THEN idx_scan::float8
                WHEN 'writes' THEN (inserts + updates + deletes)::float8
                WHEN 'heap_blks_read' THEN (heap_blks_read + idx_blks_read)::float8
                WHEN 'xid_age' THEN xid_age::float8
           END                                                  AS sort_key,
           count(*) OVER ()                                     AS total
      FROM listed
     ORDER BY sort_key DESC NULLS LAST, schema, name
     LIMIT %(limit)s OFFSET %(offset)s
)
SELECT p.*, m.heap_bytes, m.toast_bytes, m.index_bytes, m.heap_bytes + m.toast_bytes + m.index_bytes AS total_bytes
  FROM page p
 CROSS JOIN LATERAL (
       -- measured now, for the rows of this page only (a partitioned table: its partitions)
       SELECT coalesce(sum(pg_table_size(x.relid) - coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0)), 0)::bigint
                                                                                  AS heap_bytes,
              coalesce(sum(pg_total_relation_size(nullif(c.reltoastrelid, 0))), 0)::bigint AS toast_bytes,
              coalesce(sum(pg_indexes_size(x.relid)), 0)::bigint                  AS index_bytes
         FROM (SELECT p.oid AS relid WHERE p.kind <> 'partitioned'
               UNION ALL
               SELECT t.relid FROM pg_partition_tree(p.oid) t WHERE p.kind = 'partitioned' AND t.isleaf)
              AS x
         JOIN pg_class c ON c.oid = x.relid
       ) m
 ORDER BY p.sort_key DESC NULLS LAST, p.schema, p.name
