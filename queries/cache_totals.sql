-- Blocks found in shared buffers (hit) against blocks read from outside them, over every user table,
-- index and TOAST table since the statistics were reset.
SELECT coalesce(sum(heap_blks_hit), 0)::bigint                        AS heap_hit,
       coalesce(sum(heap_blks_read), 0)::bigint                       AS heap_read,
       coalesce(sum(idx_blks_hit), 0)::bigint                         AS idx_hit,
       coalesce(sum(idx_blks_read), 0)::bigint                        AS idx_read,
       coalesce(sum(toast_blks_hit), 0)::bigint                       AS toast_hit,
       coalesce(sum(toast_blks_read), 0)::bigint                      AS toast_read
  FROM pg_statio_user_tables
