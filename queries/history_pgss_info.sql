-- When pg_stat_statements was last reset, and how many entries it evicted since.
SELECT stats_reset, dealloc
  FROM {pgss}.pg_stat_statements_info
