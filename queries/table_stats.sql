-- pg_stat_user_tables with each table's live rows as far as they can be known, for the queries that
-- work out a dead ratio (they embed this file in place of pg_stat_user_tables). The live-row counter
-- (n_live_tup) restarts at 0 with a statistics reset (pg_stat_reset(), crash recovery) and stays there
-- until VACUUM or ANALYZE runs, while deletes and updates go on counting dead rows: a dead ratio would
-- read 100 percent. When no VACUUM or ANALYZE is recorded since the counters began and they saw fewer
-- inserts than the catalog knows rows, live rows come from the catalog instead: pg_class.reltuples (the
-- last VACUUM/ANALYZE's count) plus the inserts minus the deletes counted since. live_source says which.
SELECT s.*,
       j.live_source,
       CASE WHEN j.live_source = 'catalog' THEN greatest(c.reltuples + s.n_tup_ins - s.n_tup_del, 0)::bigint
            ELSE s.n_live_tup END AS live_rows
  FROM pg_stat_user_tables s
  JOIN pg_class c ON c.oid = s.relid
 CROSS JOIN LATERAL (
       SELECT CASE WHEN c.reltuples > 0 AND s.n_tup_ins < c.reltuples
                        AND s.last_vacuum IS NULL AND s.last_autovacuum IS NULL
                        AND s.last_analyze IS NULL AND s.last_autoanalyze IS NULL
                   THEN 'catalog' ELSE 'counter' END AS live_source
       ) j
