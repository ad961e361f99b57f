-- pg_stat_statements with version-independent names (see pgss_rows.sql). PostgreSQL 17 split block
-- times into shared_ and local_blk_*_time, added jit_deform_time, and has its own stats_since.
SELECT s.*,
       s.shared_blk_read_time + s.local_blk_read_time                       AS io_read_ms,
       s.shared_blk_write_time + s.local_blk_write_time                     AS io_write_ms,
       s.temp_blk_read_time + s.temp_blk_write_time                         AS temp_io_ms,
       s.jit_generation_time + s.jit_inlining_time + s.jit_optimization_time
           + s.jit_emission_time + s.jit_deform_time                        AS jit_ms
  FROM {pgss}.pg_stat_statements s
