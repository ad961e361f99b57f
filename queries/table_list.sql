-- One row per table as a person thinks of it: a partitioned table is one row holding all its
-- partitions. Searched, sorted and paged here. Sorting and totals use the catalog's page counts
-- (relpages, current as of each relation's last VACUUM, ANALYZE or index build: cheap for 10,000
-- tables); the rows of the page returned are then measured now (pg_table_size and friends open every
-- relation they size, too slow to do for the whole catalog). Rows are the planner's estimate
-- (reltuples, which a statistics reset does not zero).
-- Every table gets only what sorting and filtering need (the chosen sort's figure); the figures
-- shown are added up for the rows of the page only, from the statistics functions behind
-- pg_stat_user_tables and pg_statio_user_tables (the views compute every table's figures).
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
           -- the chosen sort's figure only (a CASE per row: the other statistics are not read)
           sum(CASE %(sort)s::text
                    WHEN 'dead_tup' THEN pg_stat_get_dead_tuples(w.oid)
                    WHEN 'dead_ratio' THEN pg_stat_get_dead_tuples(w.oid)
                    WHEN 'seq_tup_read' THEN pg_stat_get_tuples_returned(w.oid)
                    WHEN 'seq_scan' THEN pg_stat_get_numscans(w.oid)
                    WHEN 'idx_scan' THEN (SELECT sum(pg_stat_get_numscans(i.indexrelid))
                                            FROM pg_index i WHERE i.indrelid = w.oid)
                    WHEN 'writes' THEN pg_stat_get_tuples_inserted(w.oid) + pg_stat_get_tuples_updated(w.oid)
                                       + pg_stat_get_tuples_deleted(w.oid)
                    WHEN 'heap_blks_read' THEN pg_stat_get_blocks_fetched(w.oid) - pg_stat_get_blocks_hit(w.oid)
                                               + (SELECT sum(pg_stat_get_blocks_fetched(i.indexrelid)
                                                             - pg_stat_get_blocks_hit(i.indexrelid))
                                                    FROM pg_index i WHERE i.indrelid = w.oid)
               END)                                                                   AS sort_figure,
           sum(CASE WHEN %(sort)s::text = 'dead_ratio'
                    THEN pg_stat_get_live_tuples(w.oid) + pg_stat_get_dead_tuples(w.oid) END) AS sort_base,
           max(age(c.relfrozenxid)) FILTER (WHERE c.relkind <> 'p')                   AS xid_age
      FROM wanted w
      JOIN pg_class c ON c.oid = w.oid
      LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
      LEFT JOIN (SELECT i.indrelid, sum(ic.relpages)::bigint AS pages
                   FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                  GROUP BY i.indrelid) ix ON ix.indrelid = c.oid
     GROUP BY w.top
), page AS (
    SELECT c.oid,
           n.nspname                                            AS schema,
           c.relname                                            AS name,
           quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS display,
           CASE c.relkind WHEN 'p' THEN 'partitioned' WHEN 'm' THEN 'materialized view' ELSE 'table' END AS kind,
           l.partitions, l.rows::float8 AS rows,
           l.pages * current_setting('block_size')::bigint       AS catalog_bytes,
           l.xid_age,
           CASE %(sort)s::text
                WHEN 'total_bytes' THEN (l.pages * current_setting('block_size')::bigint)::float8
                WHEN 'rows' THEN l.rows::float8
                WHEN 'dead_ratio' THEN l.sort_figure::float8 / nullif(l.sort_base, 0)
                WHEN 'xid_age' THEN l.xid_age::float8
                ELSE l.sort_figure::float8
           END                                                  AS sort_key,
           count(*) OVER ()                                     AS total
      FROM leaf l
      JOIN pg_class c ON c.oid = l.top
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE l.rows >= %(min_rows)s::float8
     ORDER BY sort_key DESC NULLS LAST, schema, name
     LIMIT %(limit)s OFFSET %(offset)s
), figures AS (
    -- the page's rows: each table, or a partitioned table's whole tree
    SELECT p.oid,
           sum(pg_stat_get_numscans(x.relid))::bigint                                 AS seq_scan,
           sum(pg_stat_get_tuples_returned(x.relid))::bigint                          AS seq_tup_read,
           sum(ix.idx_scan)::bigint                                                   AS idx_scan,
           sum(pg_stat_get_tuples_inserted(x.relid))::bigint                          AS inserts,
           sum(pg_stat_get_tuples_updated(x.relid))::bigint                           AS updates,
           sum(pg_stat_get_tuples_deleted(x.relid))::bigint                           AS deletes,
           sum(pg_stat_get_tuples_hot_updated(x.relid))::bigint                       AS hot_updates,
           sum(pg_stat_get_live_tuples(x.relid))::bigint                              AS live_tup,
           sum(pg_stat_get_dead_tuples(x.relid))::bigint                              AS dead_tup,
           sum(pg_stat_get_blocks_hit(x.relid))::bigint                               AS heap_blks_hit,
           sum(pg_stat_get_blocks_fetched(x.relid) - pg_stat_get_blocks_hit(x.relid))::bigint AS heap_blks_read,
           sum(ix.idx_blks_hit)::bigint                                               AS idx_blks_hit,
           sum(ix.idx_blks_read)::bigint                                              AS idx_blks_read,
           max(greatest(pg_stat_get_last_vacuum_time(x.relid), pg_stat_get_last_autovacuum_time(x.relid)))
                                                                                      AS last_vacuum,
           max(greatest(pg_stat_get_last_analyze_time(x.relid), pg_stat_get_last_autoanalyze_time(x.relid)))
                                                                                      AS last_analyze
      FROM page p
     CROSS JOIN LATERAL (SELECT p.oid AS relid WHERE p.kind <> 'partitioned'
                         UNION ALL
                         SELECT t.relid FROM pg_partition_tree(p.oid) t WHERE p.kind = 'partitioned') x
      LEFT JOIN LATERAL (SELECT sum(pg_stat_get_numscans(i.indexrelid)) AS idx_scan,
                                sum(pg_stat_get_blocks_hit(i.indexrelid)) AS idx_blks_hit,
                                sum(pg_stat_get_blocks_fetched(i.indexrelid) - pg_stat_get_blocks_hit(i.indexrelid))
                                                                          AS idx_blks_read
                           FROM pg_index i
                          WHERE i.indrelid = x.relid
                         HAVING count(*) > 0) ix ON true
     GROUP BY p.oid
)
SELECT p.oid, p.schema, p.name, p.display, p.kind, p.partitions, p.rows, p.catalog_bytes,
       f.seq_scan, f.seq_tup_read, f.idx_scan, f.inserts, f.updates, f.deletes, f.hot_updates,
       f.hot_updates::float8 / nullif(f.updates, 0)          AS hot_ratio,
       f.live_tup, f.dead_tup,
       f.dead_tup::float8 / nullif(f.live_tup + f.dead_tup, 0) AS dead_ratio,
       f.heap_blks_hit, f.heap_blks_read, f.idx_blks_hit, f.idx_blks_read,
       f.heap_blks_hit::float8 / nullif(f.heap_blks_hit + f.heap_blks_read, 0) AS heap_hit_ratio,
       p.xid_age, f.last_vacuum, f.last_analyze, p.sort_key, p.total,
       m.heap_bytes, m.toast_bytes, m.index_bytes, m.heap_bytes + m.toast_bytes + m.index_bytes AS total_bytes
  FROM page p
  JOIN figures f ON f.oid = p.oid
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
