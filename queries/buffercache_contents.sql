-- What shared_buffers holds now (pg_buffercache): the relations of this database with the most
-- buffers, with their share of the cache and how much of each relation is cached. Reading
-- pg_buffercache visits every buffer header, so this runs on demand, not on every page view.
WITH buffers AS (
    SELECT b.relfilenode, b.reltablespace, b.isdirty, b.usagecount
      FROM {pg_buffercache}.pg_buffercache b
     WHERE b.reldatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND b.relforknumber = 0  -- the main fork: what queries read (free space and visibility maps left out)
), totals AS (
    SELECT (SELECT count(*) FROM {pg_buffercache}.pg_buffercache)      AS cache_buffers,
           (SELECT count(*) FROM {pg_buffercache}.pg_buffercache WHERE relfilenode IS NULL) AS free_buffers,
           (SELECT count(*) FROM buffers)                              AS database_buffers
), per_relation AS (
    SELECT c.oid, count(*) AS buffers, count(*) FILTER (WHERE b.isdirty) AS dirty,
           avg(b.usagecount)::float8 AS avg_usage
      FROM buffers b
      JOIN pg_class c ON pg_relation_filenode(c.oid) = b.relfilenode
     GROUP BY c.oid
)
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)        AS display,
       CASE c.relkind WHEN 'i' THEN 'index' WHEN 't' THEN 'TOAST' WHEN 'm' THEN 'materialized view'
                      WHEN 'S' THEN 'sequence' ELSE 'table' END       AS kind,
       p.buffers,
       p.buffers * current_setting('block_size')::bigint              AS cached_bytes,
       p.dirty,
       p.avg_usage,
       p.buffers::float8 / nullif(t.cache_buffers, 0)                 AS cache_share,
       p.buffers * current_setting('block_size')::float8 / nullif(pg_relation_size(c.oid), 0) AS relation_cached,
       t.cache_buffers,
       t.free_buffers,
       t.database_buffers
  FROM per_relation p
  JOIN pg_class c ON c.oid = p.oid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 CROSS JOIN totals t
 ORDER BY p.buffers DESC, display
 LIMIT %(limit)s
