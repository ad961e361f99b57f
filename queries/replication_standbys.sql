-- Standbys streaming from this server (pg_stat_replication): who, in which state, synchronous or not,
-- and how far behind each is, in time (write / flush / replay lag) and in WAL bytes not yet replayed.
-- On a standby itself pg_current_wal_lsn() is not available: the byte lag is then NULL.
SELECT r.pid,
       r.application_name                                                        AS client,
       host(r.client_addr)                                                       AS client_addr,
       r.client_hostname,
       r.usename                                                                 AS role,
       r.state,
       r.sync_state,
       r.backend_start,
       extract(epoch FROM r.write_lag)::float8                                   AS write_lag_s,
       extract(epoch FROM r.flush_lag)::float8                                   AS flush_lag_s,
       extract(epoch FROM r.replay_lag)::float8                                  AS replay_lag_s,
       r.sent_lsn::text                                                          AS sent_lsn,
       r.replay_lsn::text                                                        AS replay_lsn,
       CASE WHEN pg_is_in_recovery() THEN NULL
            ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::bigint END AS replay_lag_bytes,
       r.reply_time
  FROM pg_stat_replication r
 ORDER BY r.application_name, r.pid
