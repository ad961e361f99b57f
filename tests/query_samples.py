"""Sample parameter values for running every queries/*.sql file in tests. Add one when a file needs it."""

SAMPLE_PARAMS = {
    "slow_ms": 100.0,
    "limit": 10,
    "offset": 0,
    # tables, indexes and schema
    "search": None,
    "schema": None,
    "kind": None,
    "sort": "total_bytes",
    "min_rows": 0,
    "problems_only": False,
    "dead_ratio": 0.2,
    "min_dead": 1000,
    "xid_age": 1_000_000_000,
    "seq_min_rows": 10_000,
    "seq_min_scans": 10,
    "relid": 0,
    "min_bytes": 0,
    "min_ratio": 0.9,
    "soft_delete_columns": ["deleted_at"],
    "samples": 20,
    "text_name_pattern": r"(^|_)(id|status)$",
    "timestamp_pattern": r"^\d{4}-\d{2}-\d{2}",
    "amount_pattern": r"amount",
    "oids": [],
}
