"""Sample parameter values for running every queries/*.sql file in tests. Add one when a file needs it."""

SAMPLE_PARAMS = {
    "slow_ms": 100.0,
    "limit": 10,
    "offset": 0,
    "statement_timeout": "30000ms",
    "lock_timeout": "2000ms",
    "type_oids": [23, 25],
    "queryid": 0,
    "names": ["work_mem", "statement_timeout", "pg_stat_statements.max"],
    "pid": 1,
    "queryids": [1, 2],
}
SAMPLE_PARAMS.update({
    # the statements explorer (queries/statements_list*.sql, statement_detail*.sql, statement_texts.sql)
    "role": None,
    "min_calls": 0,
    "search": "",
    "kinds": [],
    "sort": "total",
    "text_chars": 300,
    "queryid": 0,
    "max_bytes": 100_000,
})
