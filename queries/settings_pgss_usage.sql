-- How full pg_stat_statements is (entries of every database count against .max) and how often it had
-- to evict entries.
SELECT (SELECT count(*) FROM {pgss}.pg_stat_statements)                     AS entries,
       (SELECT dealloc FROM {pgss}.pg_stat_statements_info)                 AS dealloc,
       (SELECT stats_reset FROM {pgss}.pg_stat_statements_info)             AS stats_reset
