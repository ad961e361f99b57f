-- pg_stat_user_tables with each table's live rows as far as they can be known, for the queries that
-- work out a dead ratio (they embed this file in place of pg_stat_user_tables). The live-row counter
-- (n_live_tup) restarts at 0 with a statistics reset (pg_stat_reset(), crash recovery) and stays there
-- until VACUUM or ANALYZE runs, while deletes and updates go on counting dead rows: a dead ratio would
-- read 100 percent. When no VACUUM or ANALYZE is recorded since the counters began and they saw fewer
-- inserts than the catalog knows rows, live rows come from the catalog instead: pg_class.reltuples (the
-- last VACUUM/ANALYZE's count) plus the inserts minus the deletes counted since. live_source says which.
-- The view's columns that these queries read, from the statistics functions behind it: the view groups
-- every table with its indexes (a pass over pg_index for all tables even when one table is joined);
-- here each table's indexes are summed by a lookup of that table's, so a join on relid reads only the
-- tables it asks for.
SELECT s.*,
       j.live_source,
       CASE WHEN j.live_source = 'catalog' THEN greatest(s.reltuples + s.n_tup_ins - s.n_tup_del, 0)::bigint
            ELSE s.n_live_tup END AS live_rows
  FROM (SELECT c.oid                                          AS relid,
               n.nspname                                      AS schemaname,
               c.relname,
               c.reltuples,
               pg_stat_get_numscans(c.oid)                    AS seq_scan,
               pg_stat_get_tuples_returned(c.oid)             AS seq_tup_read,
               ix.idx_scan,
               ix.idx_tup_fetch + pg_stat_get_tuples_fetched(c.oid) AS idx_tup_fetch,
               pg_stat_get_tuples_inserted(c.oid)             AS n_tup_ins,
               pg_stat_get_tuples_updated(c.oid)              AS n_tup_upd,
               pg_stat_get_tuples_deleted(c.oid)              AS n_tup_del,
               pg_stat_get_tuples_hot_updated(c.oid)          AS n_tup_hot_upd,
               pg_stat_get_live_tuples(c.oid)                 AS n_live_tup,
               pg_stat_get_dead_tuples(c.oid)                 AS n_dead_tup,
               pg_stat_get_mod_since_analyze(c.oid)           AS n_mod_since_analyze,
               pg_stat_get_ins_since_vacuum(c.oid)            AS n_ins_since_vacuum,
               pg_stat_get_last_vacuum_time(c.oid)            AS last_vacuum,
               pg_stat_get_last_autovacuum_time(c.oid)        AS last_autovacuum,
               pg_stat_get_last_analyze_time(c.oid)           AS last_analyze,
               pg_stat_get_last_autoanalyze_time(c.oid)       AS last_autoanalyze,
               pg_stat_get_vacuum_count(c.oid)                AS vacuum_count,
               pg_stat_get_autovacuum_count(c.oid)            AS autovacuum_count,
               pg_stat_get_analyze_count(c.oid)               AS analyze_count,
               pg_stat_get_autoanalyze_count(c.oid)           AS autoanalyze_count
          FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
          LEFT JOIN LATERAL (SELECT sum(pg_stat_get_numscans(i.indexrelid))::bigint        AS idx_scan,
                                    sum(pg_stat_get_tuples_fetched(i.indexrelid))::bigint AS idx_tup_fetch
                               FROM pg_index i
                              WHERE i.indrelid = c.oid) ix ON true
         WHERE c.relkind IN ('r', 't', 'm', 'p')
           AND n.nspname NOT IN ('pg_catalog', 'information_schema')
           AND n.nspname !~ '^pg_toast') s
 CROSS JOIN LATERAL (
       SELECT CASE WHEN s.reltuples > 0 AND s.n_tup_ins < s.reltuples
                        AND s.last_vacuum IS NULL AND s.last_autovacuum IS NULL
                        AND s.last_analyze IS NULL AND s.last_autoanalyze IS NULL
                   THEN 'catalog' ELSE 'counter' END AS live_source
       ) j
