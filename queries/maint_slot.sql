-- One replication slot, before and after its drop: whether it exists and is in use, the WAL it keeps, and
-- whether this role may drop it (a superuser, or a role with REPLICATION).
SELECT s.slot_name,
       s.slot_type,
       s.active,
       s.active_pid,
       s.temporary,
       CASE WHEN pg_is_in_recovery() OR s.restart_lsn IS NULL THEN NULL
            ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint END AS retained_bytes,
       (SELECT r.rolsuper OR r.rolreplication FROM pg_roles r WHERE r.rolname = current_user) AS allowed,
       current_user                                                                AS role
  FROM pg_replication_slots s
 WHERE s.slot_name = %(name)s
