"""Sample parameter values for running every queries/*.sql file in tests. Add one when a file needs it."""

SAMPLE_PARAMS = {
    "slow_ms": 100.0,
    "limit": 10,
    "offset": 0,
    "names": ["work_mem", "statement_timeout", "pg_stat_statements.max"],
    "pid": 1,
}
