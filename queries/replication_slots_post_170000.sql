-- Replication slots and the WAL each one keeps on disk (from its restart_lsn to the current WAL position):
-- an inactive slot keeps WAL forever and fills the disk. PostgreSQL 17 and later: since when a slot is
-- inactive, and why it was invalidated.
SELECT s.slot_name,
       s.slot_type,
       s.plugin,
       s.database,
       s.temporary,
       s.active,
       s.active_pid,
       s.wal_status,
       s.safe_wal_size,
       s.restart_lsn::text                                                       AS restart_lsn,
       s.confirmed_flush_lsn::text                                               AS confirmed_flush_lsn,
       CASE WHEN pg_is_in_recovery() OR s.restart_lsn IS NULL THEN NULL
            ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint END AS retained_bytes,
       s.inactive_since,
       s.invalidation_reason
  FROM pg_replication_slots s
 ORDER BY retained_bytes DESC NULLS LAST, s.slot_name
