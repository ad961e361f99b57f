-- Relations someone holds or waits for an ACCESS EXCLUSIVE lock on, in this database. Sizing a relation
-- now (pg_relation_size) takes a brief ACCESS SHARE lock that would queue behind it: queries that size
-- many relations take the catalog's page count for these instead (queries embed this file as a subquery).
SELECT l.relation
  FROM pg_locks l
 WHERE l.locktype = 'relation'
   AND l.mode = 'AccessExclusiveLock'
   AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
