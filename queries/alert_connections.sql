-- Client sessions of the whole server by state, pgpulse's own query left out: the alert on active
-- connections counts what the guide counts (more than 50 active).
SELECT count(*) FILTER (WHERE state = 'active')              AS active,
       count(*)                                               AS total,
       count(*) FILTER (WHERE state = 'idle')                 AS idle
  FROM pg_stat_activity
 WHERE backend_type = 'client backend'
   AND pid <> pg_backend_pid()
