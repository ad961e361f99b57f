-- Each lock a session is waiting for, with the relation and how long it has waited, and the modes
-- that other sessions hold (granted) on the same lockable object.
SELECT
    w.pid,
    w.locktype,
    w.mode                                                               AS wanted_mode,
    extract(epoch FROM now() - w.waitstart)::float8                      AS wait_s,
    coalesce(w.relation, t.relation)::regclass::text                     AS relation,
    w.transactionid::text                                                AS transactionid,
    (SELECT json_object_agg(h.pid, h.modes)
       FROM (SELECT g.pid, string_agg(DISTINCT g.mode, ', ') AS modes
               FROM pg_locks g
              WHERE g.granted AND g.pid <> w.pid
                AND g.locktype = w.locktype
                AND g.database IS NOT DISTINCT FROM w.database
                AND g.relation IS NOT DISTINCT FROM w.relation
                AND g.page IS NOT DISTINCT FROM w.page
                AND g.tuple IS NOT DISTINCT FROM w.tuple
                AND g.virtualxid IS NOT DISTINCT FROM w.virtualxid
                AND g.transactionid IS NOT DISTINCT FROM w.transactionid
                AND g.classid IS NOT DISTINCT FROM w.classid
                AND g.objid IS NOT DISTINCT FROM w.objid
                AND g.objsubid IS NOT DISTINCT FROM w.objsubid
              GROUP BY g.pid) h)                                         AS held_by
  FROM pg_locks w
  -- a wait on a transaction id (a row lock) names no relation: the waiter's tuple lock does
  LEFT JOIN LATERAL (SELECT tl.relation FROM pg_locks tl
                      WHERE tl.pid = w.pid AND tl.locktype = 'tuple' LIMIT 1) t ON w.relation IS NULL
 WHERE NOT w.granted
