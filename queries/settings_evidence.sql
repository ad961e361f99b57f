-- What the settings checks weigh: temporary files written by this database since its statistics
-- were reset, and sessions idle in a transaction right now.
SELECT d.temp_files,
       d.temp_bytes,
       d.stats_reset,
       (SELECT count(*) FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND state LIKE 'idle in transaction%%') AS idle_in_transaction
  FROM pg_stat_database d
 WHERE d.datname = current_database()
