"""Sample parameter values for running every queries/*.sql file in tests. Add one when a file needs it."""

SAMPLE_PARAMS = {
    "slow_ms": 100.0,
    "limit": 10,
    "offset": 0,
    "statement_timeout": "30000ms",
    "lock_timeout": "2000ms",
    "type_oids": [23, 25],
    "queryid": 0,
    # maintenance (queries/maint_*.sql): an object that exists everywhere, no backend, no lock held
    "schema": "pg_catalog",
    "name": "pg_class",
    "oid": 1259,
    "pid": 0,
    "key1": 0,
    "key2": 0,
    "query": "SELECT 1",
    "min_changes": 50,
}
