"""What the demo database gets wrong on purpose, and where: the answer key for the dashboard's checks.

`objects` are schema-qualified names (a table, index, constraint, sequence, or table.column).
`statements` are case-insensitive regular expressions matching the query text pg_stat_statements
shows for the workload statement that carries the problem (literals there are normalized to $n).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Planted:
    id: str
    problem: str
    guide: str  # what the guide recommends instead
    objects: tuple[str, ...] = ()
    statements: tuple[str, ...] = ()


@dataclass(frozen=True)
class MissingIndex:
    """An index the index advisor must recommend: its table, key columns (as PostgreSQL prints them),
    partial predicate, and the workload statement it serves (regex, as for Planted.statements)."""

    kind: str
    table: str
    keys: tuple[str, ...]
    where: str | None
    statement: str


MISSING_INDEXES = (
    MissingIndex("composite equality + range", "public.leads", ("source", "updated_at"), None,
                 r"^SELECT id, name, status FROM leads WHERE source = \$1 AND updated_at >= \$2$"),
    MissingIndex("expression", "public.clients", ("lower(email)",), None, r"WHERE LOWER\(email\) = LOWER\(\$1\)"),
    MissingIndex("partial", "public.clients", ("account_manager", "updated_at"), "deleted_at IS NULL",
                 r"WHERE account_manager = \$1 AND deleted_at IS NULL ORDER BY updated_at DESC LIMIT \$2$"),
)

_ALL = [
    Planted(
        "n_plus_one",
        "The clients page runs one list query, then one invoices query per listed client (50 per page, "
        "3 page views per workload round).",
        "Fetch related rows in one query (JOIN, or WHERE client_id = ANY($1)).",
        ("public.clients", "public.invoices"),
        (r"^SELECT id, number, amount_cents, status FROM invoices WHERE client_id = \$1$",
         r"^SELECT id, name, email FROM clients WHERE deleted_at IS NULL ORDER BY created_at DESC LIMIT \$1$"),
    ),
    Planted(
        "function_on_indexed_column",
        "LOWER(email) in the filter, while clients.email only has a plain btree index: every lookup "
        "reads the whole table and clients_email_idx is never used.",
        "Do not wrap indexed columns in functions, or create a functional index on LOWER(email).",
        ("public.clients.email", "public.clients_email_idx"),
        (r"WHERE LOWER\(email\) = LOWER\(\$1\)",),
    ),
    Planted(
        "seq_scan_large_table",
        "Lookups by leads.email, a column with no index, on a 300,000-row table: repeated sequential scans.",
        "Index the columns used in frequent filters.",
        ("public.leads", "public.leads.email"),
        (r"^SELECT id, name, status FROM leads WHERE email = \$1$",),
    ),
    Planted(
        "unused_index",
        "leads_utm_campaign_idx is never scanned (nothing filters on utm_campaign) but is kept up to date "
        "on every insert. clients_email_idx and invoices_client_id_idx end up unused too (see "
        "function_on_indexed_column and duplicate_index).",
        "Drop indexes with idx_scan = 0 after a representative period.",
        ("public.leads_utm_campaign_idx",),
    ),
    Planted(
        "duplicate_index",
        "invoices_client_id_idx and idx_invoices_client_id index the same column; both are also a prefix "
        "of invoices_client_id_status_idx, which makes them redundant.",
        "Keep one index per column list; a composite index serves its leading columns.",
        ("public.invoices_client_id_idx", "public.idx_invoices_client_id", "public.invoices_client_id_status_idx"),
    ),
    Planted(
        "fk_without_index",
        "payments.invoice_id and leads.converted_client_id are foreign keys with no index: joins, lookups "
        "and deletes on the referenced table scan them.",
        "Index every foreign key column.",
        ("public.payments_invoice_id_fkey", "public.leads_converted_client_id_fkey"),
        (r"^SELECT id, amount, paid_at FROM payments WHERE invoice_id = \$1$",),
    ),
    Planted(
        "dead_tuples",
        "A purge deleted about 40% of dead_letter_queue and no vacuum followed: over 20% dead tuples.",
        "VACUUM (ANALYZE) tables past 20% dead tuples; run it weekly.",
        ("public.dead_letter_queue",),
    ),
    Planted(
        "autovacuum_disabled",
        "dead_letter_queue has autovacuum_enabled = false, so its dead tuples never go away by themselves.",
        "Leave autovacuum on; tune its thresholds per table instead.",
        ("public.dead_letter_queue",),
    ),
    Planted(
        "correlated_subquery",
        "Subqueries in the select list run once per client; the leads one scans the whole leads table "
        "each time (no index on converted_client_id).",
        "Use a JOIN with GROUP BY (or LATERAL) instead of correlated subqueries.",
        ("public.clients", "public.leads"),
        (r"\(SELECT count\(\*\) FROM leads l WHERE l\.converted_client_id = c\.id\)",),
    ),
    Planted(
        "or_chain",
        "status = $1 OR status = $2 OR status = $3 OR status = $4 on one column.",
        "Use IN (...) / = ANY($1).",
        ("public.leads.status",),
        (r"status = \$1 OR status = \$2 OR status = \$3 OR status = \$4",),
    ),
    Planted(
        "select_distinct",
        "SELECT DISTINCT to undo the duplicates of a join (clients with overdue invoices).",
        "Use GROUP BY, or EXISTS instead of the join.",
        ("public.clients", "public.invoices"),
        (r"^\s*SELECT DISTINCT c\.id, c\.name, c\.email",),
    ),
    Planted(
        "count_for_existence",
        "COUNT(*) compared with zero to learn whether a row exists.",
        "Use EXISTS (...), which stops at the first row.",
        ("public.invoices", "public.payments"),
        (r"^SELECT COUNT\(\*\) > \$\d+ FROM invoices",
         r"^SELECT \(SELECT COUNT\(\*\) FROM payments WHERE invoice_id = \$1\) > \$\d+$"),
    ),
    Planted(
        "deep_offset",
        "OFFSET 50000 pagination over leads: the server reads and throws away 50,000 rows per page.",
        "Use keyset pagination (WHERE created_at < $last ORDER BY created_at DESC LIMIT 50).",
        ("public.leads",),
        (r"FROM leads ORDER BY created_at DESC LIMIT \$\d+ OFFSET \$\d+$",),
    ),
    Planted(
        "select_star",
        "SELECT * on clients, a 28-column table with a large notes column.",
        "Select only the columns needed.",
        ("public.clients",),
        (r"^SELECT \* FROM clients",),
    ),
    Planted(
        "sort_spills_to_disk",
        "A window function sorts all 300,000 leads by company: Sort Method external merge with the "
        "default work_mem (4MB), temp blocks written.",
        "Give the query more work_mem (SET LOCAL), or an index on (company, created_at).",
        ("public.leads",),
        (r"row_number\(\) OVER \(PARTITION BY company ORDER BY created_at DESC\)",),
    ),
    Planted(
        "slow_query",
        "Statements with mean execution time over 100 ms: the correlated lead count, the spilling sort and "
        "the monthly funnel report.",
        "Review statements over 100 ms in pg_stat_statements; fix the biggest share of total time first.",
        ("public.leads",),
        (r"\(SELECT count\(\*\) FROM leads l WHERE l\.converted_client_id = c\.id\)",
         r"row_number\(\) OVER \(PARTITION BY company ORDER BY created_at DESC\)",
         r"count\(l\.converted_client_id\) AS converted,\s+sum\(r\.invoiced_cents\)"),
    ),
    Planted(
        "text_ids",
        "Identifiers stored as text: clients.legacy_client_id (numbers), dead_letter_queue.entity_id (UUIDs).",
        "Use uuid / bigint for identifiers.",
        ("public.clients.legacy_client_id", "public.dead_letter_queue.entity_id"),
    ),
    Planted(
        "text_timestamps",
        "clients.last_contacted holds ISO timestamps as text.",
        "Use timestamptz.",
        ("public.clients.last_contacted",),
    ),
    Planted(
        "timestamp_without_time_zone",
        "invoices.due_date is timestamp without time zone.",
        "Use timestamptz.",
        ("public.invoices.due_date",),
    ),
    Planted(
        "money_as_float",
        "payments.amount is double precision (while invoices use integer cents).",
        "Store money as integer cents (or numeric).",
        ("public.payments.amount",),
    ),
    Planted(
        "status_without_check",
        "Status-like text columns with no CHECK constraint: leads.status, dead_letter_queue.status, "
        "clients.tier. (clients.status and invoices.status do have one.)",
        "Constrain status columns with CHECK (or an enum).",
        ("public.leads.status", "public.dead_letter_queue.status", "public.clients.tier"),
    ),
    Planted(
        "sequence_near_max",
        "audit_log_id_seq (int4 serial) is at 95% of 2^31-1.",
        "Move the column and sequence to bigint before it runs out.",
        ("public.audit_log_id_seq", "public.audit_log.id"),
    ),
    Planted(
        "no_primary_key",
        "audit_log has no primary key.",
        "Give every table a primary key.",
        ("public.audit_log",),
    ),
    Planted(
        "missing_indexes",
        "Lookups no index serves: leads of a source updated lately (a composite index), clients by "
        "LOWER(email) (an expression index) and a manager's live clients (a partial index WHERE deleted_at "
        "IS NULL): see MISSING_INDEXES, the index advisor's answer key.",
        "Index the columns of frequent filters: equality columns first, then the range; a functional index "
        "for functions on columns; partial indexes for soft deletes.",
        ("public.leads.source", "public.leads.updated_at", "public.clients.account_manager"),
        tuple(m.statement for m in MISSING_INDEXES),
    ),
    Planted(
        "soft_delete_index_not_partial",
        "clients uses soft deletes (deleted_at), but its hot index clients_created_at_idx, used by the "
        "list query with deleted_at IS NULL, is not partial.",
        "CREATE INDEX ... WHERE deleted_at IS NULL for the queries on live rows.",
        ("public.clients_created_at_idx", "public.clients.deleted_at"),
    ),
]

PLANTED: dict[str, Planted] = {p.id: p for p in _ALL}


# Ordinary traffic behind the guide's performance targets (target -> statement regex).
TARGET_STATEMENTS: dict[str, str] = {
    "pk_select": r"^SELECT id, name, email, status FROM clients WHERE id = \$1$",
    "complex_join": r"^\s*SELECT c\.id, c\.name, sum\(i\.amount_cents\) AS overdue_cents",
    "insert": r"^INSERT INTO leads \(email, name, company, source, status, score\)",
    "update": r"^UPDATE leads SET status = \$1",
    "batch_insert_100": r"^INSERT INTO payments \(invoice_id, amount, method, provider_ref\) SELECT \* FROM unnest",
    "small_table_full_scan": r"^SELECT queue, status, count\(\*\) FROM dead_letter_queue GROUP BY",
    "dashboard_load": r"^SELECT day, leads, converted, invoices, invoiced_cents FROM dashboard_stats",
}

# Supabase's database linter on the demo (lib/demo/supabase.sql): lint -> objects it reports, as pgpulse
# writes them. Supabase's performance lints are answered by the problems above (unused and duplicate
# indexes, foreign keys without an index, audit_log without a primary key).
SUPABASE_LINTS: dict[str, tuple[str, ...]] = {
    "rls_disabled_in_public": ("public.dead_letter_queue", "public.profiles", "public.user_secrets"),
    "sensitive_columns_exposed": ("public.user_secrets",),
    "policy_exists_rls_disabled": ("public.notes",),
    "rls_enabled_no_policy": ("public.job_handlers",),
    "security_definer_view": ("public.client_overview", "public.user_directory"),
    "auth_users_exposed": ("public.user_directory",),
    "function_search_path_mutable": ("public.invoice_total(client uuid)",),
    "extension_in_public": ("public.pg_stat_statements", "public.pgstattuple", "public.pg_buffercache"),
    "materialized_view_in_api": ("public.dashboard_stats",),
    "foreign_table_in_api": ("public.legacy_contacts",),
    "unsupported_reg_types": ("public.job_handlers.handler",),
    "fkey_to_auth_unique": ("public.sms_optins_phone_fkey",),
    "extension_versions_outdated": ("extensions.citext",),
    "anon_security_definer_function_executable": ("public.delete_client(client uuid)",),
    "authenticated_security_definer_function_executable": ("public.delete_client(client uuid)",
                                                           "public.my_invoices()"),
    "unused_index": ("public.leads_utm_campaign_idx",),
    "duplicate_index": ("public.invoices_client_id_idx",),
    "no_primary_key": ("public.audit_log",),
    # lib/demo/rls.sql: todos' SELECT policy calls auth.uid() per row on an unindexed user_id (the RLS page's
    # measured fix); shared_lists has two permissive SELECT policies for authenticated
    "auth_rls_initplan": ("public.todos",),
    "multiple_permissive_policies": ("public.shared_lists",),
}
