-- How full pg_stat_statements is (entries of every database count against .max), how often it had
-- to evict entries, and this database's statements that spilled sorts or hashes to temporary files.
SELECT (SELECT count(*) FROM {pgss}.pg_stat_statements)                     AS entries,
       (SELECT dealloc FROM {pgss}.pg_stat_statements_info)                 AS dealloc,
       (SELECT stats_reset FROM {pgss}.pg_stat_statements_info)             AS stats_reset,
       count(*) FILTER (WHERE s.temp_blks_written > 0)                      AS spilling_statements,
       coalesce(sum(s.temp_blks_written), 0)::bigint                        AS temp_blks_written
  FROM {pgss}.pg_stat_statements s
 WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND s.query NOT LIKE '/* pgpulse */%%'
