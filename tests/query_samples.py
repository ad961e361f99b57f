"""Sample parameter values for running every queries/*.sql file in tests. Add one when a file needs it."""

SAMPLE_PARAMS = {
    "slow_ms": 100.0,
    "limit": 10,
    "offset": 0,
    "statement_timeout": "30000ms",
    "lock_timeout": "2000ms",
    "type_oids": [23, 25],
    "queryid": 0,
    "relation": "pg_catalog.pg_class",
    "params": [1, 2],
    "relations": ["pg_catalog.pg_class", "pg_catalog.pg_type"],
    "columns": ["relkind", "typname"],
    "names": ["work_mem", "statement_timeout", "pg_stat_statements.max"],
    "pid": 1,
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
    "largest": 10,
    "min_ratio": 0.9,
    "soft_delete_columns": ["deleted_at"],
    "soft_delete_only": False,
    "database_size": True,
    "known_oids": [1259],
    "known_bytes": [8192],
    "samples": 20,
    "text_name_pattern": r"(^|_)(id|status)$",
    "timestamp_pattern": r"^\d{4}-\d{2}-\d{2}",
    "amount_pattern": r"amount",
    "oids": [],
    "queryids": [1, 2],
    # maintenance (queries/maint_*.sql): an object that exists everywhere, no backend, no lock held
    "name": "pg_class",
    "oid": 1259,
    "key1": 0,
    "key2": 0,
    "query": "SELECT 1",
    "min_changes": 50,
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
SAMPLE_PARAMS.update({
    # table_catalog.sql read only for the tables statements name
    "qualified_schemas": ["public"],
    "qualified_names": ["clients"],
})
SAMPLE_PARAMS.update({
    # maint_xact_session.sql: the name an action's transaction shows behind a pooler
    "application_name": "pgpulse: tests via app",
})
SAMPLE_PARAMS.update({
    # maintenance and DDL statements counted apart (lib/core/statement_kind.py)
    "maintenance_words": ["vacuum", "analyze"],
    # the index advisor (queries/advisor_*.sql)
    "schemas": ["public"],
    "definition": "CREATE INDEX ON public.clients (lower(email))",
    # the RLS page's measured reads (queries/rls_*.sql)
    "as_role": "none",
    "row_security": "on",
    "claims": "{}",
    "signature": "pg_catalog.now()",  # maint_function.sql
    # the Supabase lints (queries/supabase_*.sql)
    "exposed": ["public"],
    "supabase_schemas": ["auth", "storage"],
    "sensitive_names": ["password"],
})
