-- pg_stat_statements with the columns that differ between versions under one name each, so the queries
-- built on it (statements_list, statement_detail, history_statements) need no
-- version variants. PostgreSQL 15 and 16: blk_read_time/blk_write_time count shared and local blocks;
-- there is no stats_since.
SELECT s.*,
       s.blk_read_time                                                      AS io_read_ms,
       s.blk_write_time                                                     AS io_write_ms,
       s.temp_blk_read_time + s.temp_blk_write_time                         AS temp_io_ms,
       s.jit_generation_time + s.jit_inlining_time + s.jit_optimization_time
           + s.jit_emission_time                                            AS jit_ms,
       NULL::timestamptz                                                    AS stats_since
  FROM {pgss}.pg_stat_statements s
