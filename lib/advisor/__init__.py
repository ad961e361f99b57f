"""The index advisor: which indexes to create for the whole workload, proven with hypopg, then measured.

predicates  what a statement asks of each table (equality, IN, range, sort, constant predicates), by pglast
candidates  index candidates per table (composite, expression, partial, INCLUDE), and existing indexes serving them
values      representative values for `$n` from pg_stats (planning on PostgreSQL 15, measuring everywhere)
whatif      hypothetical indexes (hypopg) on a dedicated, rolled-back, read-only session that leaves nothing
advise      advise(db): candidates, what-if or statistics, the greedy choice for the workload
measure     create a recommended index through the maintenance runner, EXPLAIN ANALYZE before and after
"""
