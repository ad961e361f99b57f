"""Sample parameter values for running every queries/*.sql file in tests. Add one when a file needs it."""

SAMPLE_PARAMS = {
    "slow_ms": 100.0,
    "limit": 10,
    "offset": 0,
    # maintenance (queries/maint_*.sql): an object that exists everywhere, no backend, no lock held
    "schema": "pg_catalog",
    "name": "pg_class",
    "oid": 1259,
    "pid": 0,
    "key1": 0,
    "key2": 0,
    "query": "SELECT 1",
    "lock_timeout": "1000ms",
    "statement_timeout": "15000ms",
    "min_changes": 50,
}
