"""Supabase's database linter, in pgpulse's words: each lint's name, level and category as Supabase
Studio's Advisors show them, what it means, how to fix it, and its documentation link.

A Finding that answers one of these lints carries its name in `supabase_lint` (whatever check made it):
`tag(finding, name)` sets it and puts the lint's level and documentation link in its evidence as
`supabase_level` and `docs`. The Advisors
page groups findings by this field. `needs` says what a lint cannot be judged without: Supabase's `auth`
schema (`auth`), the API roles anon and authenticated (`api_roles`), or the schemas the API exposes
(`exposed`, from pgrst.db_schemas); see lib/supabase/api.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from lib.core.findings import Finding, Severity

DOCS = "https://supabase.com/docs/guides/database/database-linter?lint={code}"

ERROR, WARN, INFO = "ERROR", "WARN", "INFO"
PERFORMANCE, SECURITY = "PERFORMANCE", "SECURITY"

# Schemas Supabase's platform owns (and pg's own): its linter leaves them alone, so does pgpulse's.
SUPABASE_SCHEMAS = (
    "pg_catalog", "information_schema", "auth", "storage", "realtime", "_realtime", "extensions",
    "graphql", "graphql_public", "vault", "pgsodium", "pgsodium_masks", "supabase_functions",
    "supabase_migrations", "net", "cron", "pgbouncer", "pgtle", "_analytics", "pgmq", "tiger",
    "tiger_data", "topology", "_timescaledb_cache", "_timescaledb_catalog", "_timescaledb_config",
    "_timescaledb_internal", "repack", "timescaledb_experimental", "timescaledb_information", "lo",
)


@dataclass(frozen=True)
class Lint:
    name: str
    number: int
    level: str  # ERROR, WARN or INFO, as Supabase shows it
    category: str  # PERFORMANCE or SECURITY
    title: str
    meaning: str  # what it means, in our words
    remediation: str
    needs: frozenset[str] = frozenset()  # auth, api_roles, exposed
    answered_by: str = ""  # the pgpulse check whose findings answer it, when it is not supabase.<name>

    @property
    def code(self) -> str:
        return f"{self.number:04d}_{self.name}"

    @property
    def docs_url(self) -> str:
        return DOCS.format(code=self.code)

    @property
    def severity(self) -> Severity:
        """The pgpulse severity of a finding that only this lint makes. pgpulse keeps critical for what is
        about to stop the database (wraparound, a sequence at its end, ...): Supabase's ERROR is a warning
        here, and the finding says its Supabase level (evidence `supabase_level`)."""
        return {ERROR: Severity.WARNING, WARN: Severity.WARNING, INFO: Severity.INFO}[self.level]


API = frozenset({"api_roles", "exposed"})
AUTH_API = frozenset({"auth", "api_roles", "exposed"})

_ALL = [
    Lint("unindexed_foreign_keys", 1, INFO, PERFORMANCE, "Unindexed foreign keys",
         "A foreign key whose columns no index leads with: deletes and key updates on the referenced table, "
         "and joins on the key, read the whole referencing table.",
         "Create an index on the foreign key's columns (CREATE INDEX CONCURRENTLY).",
         answered_by="indexes.fk_missing"),
    Lint("auth_users_exposed", 2, ERROR, SECURITY, "Exposed auth users",
         "A view in a schema the API serves reads auth.users and the API roles may select from it: user "
         "e-mails, phone numbers and metadata can be read by anyone holding the project's anon key.",
         "Revoke SELECT on the view from anon and authenticated, move it to a schema the API does not serve, "
         "or make it security_invoker so auth.users' own privileges and policies apply.", AUTH_API),
    Lint("auth_rls_initplan", 3, WARN, PERFORMANCE, "Auth RLS initialization plan",
         "A policy calls auth.uid(), auth.jwt(), auth.role() or current_setting() directly: PostgreSQL "
         "evaluates it again for every row instead of once per statement.",
         "Wrap the call in a scalar subquery, e.g. (select auth.uid()) = user_id, so it is evaluated once.",
         frozenset({"auth"})),
    Lint("no_primary_key", 4, INFO, PERFORMANCE, "No primary key",
         "A table without a primary key: rows cannot be told apart, updated one by one or replicated "
         "logically, and the API cannot address a single row.",
         "Add a primary key (an identity or uuid column when no natural key exists).",
         answered_by="schema.no_primary_key"),
    Lint("unused_index", 5, INFO, PERFORMANCE, "Unused index",
         "An index never scanned since the statistics began, yet written on every insert and update.",
         "Drop it once the statistics cover a representative period (DROP INDEX CONCURRENTLY).",
         answered_by="indexes.unused"),
    Lint("multiple_permissive_policies", 6, WARN, PERFORMANCE, "Multiple permissive policies",
         "Several permissive policies apply to the same role and action on a table: every one of them is "
         "evaluated for every row.",
         "Merge them into one policy per role and action (their conditions joined with OR).",
         frozenset({"api_roles"})),
    Lint("policy_exists_rls_disabled", 7, ERROR, SECURITY, "Policy exists RLS disabled",
         "A table has row-level security policies but row-level security is off: the policies do nothing.",
         "ALTER TABLE ... ENABLE ROW LEVEL SECURITY (or drop the policies if they are not meant)."),
    Lint("rls_enabled_no_policy", 8, INFO, SECURITY, "RLS enabled no policy",
         "Row-level security is on but the table has no policy: every role it applies to (the API roles "
         "among them) sees no row and can change none. Fine for a table only trusted roles use, a surprise "
         "otherwise.",
         "Create the policies the table needs, or disable RLS if only trusted roles reach it."),
    Lint("duplicate_index", 9, WARN, PERFORMANCE, "Duplicate index",
         "Two or more indexes of a table are identical: each is written on every change, one is enough.",
         "Keep one and drop the others (DROP INDEX CONCURRENTLY).", answered_by="indexes.redundant"),
    Lint("security_definer_view", 10, ERROR, SECURITY, "Security definer view",
         "A view in a schema the API serves runs with its owner's privileges: it bypasses the row-level "
         "security and grants of the tables it reads for whoever may select from it.",
         "ALTER VIEW ... SET (security_invoker = on) (PostgreSQL 15+), or revoke it from the API roles.",
         API),
    Lint("function_search_path_mutable", 11, WARN, SECURITY, "Function search path mutable",
         "A function without its own search_path resolves names in the caller's search_path: a caller who "
         "creates a same-named object earlier in the path can make it run something else.",
         "ALTER FUNCTION ... SET search_path = '' and schema-qualify the names it uses "
         "(or a fixed list, e.g. pg_catalog, public)."),
    Lint("rls_disabled_in_public", 13, ERROR, SECURITY, "RLS disabled in public",
         "A table in a schema the API serves has row-level security off: anyone with the project's URL "
         "and anon key can read and change every row the API roles' grants allow.",
         "ALTER TABLE ... ENABLE ROW LEVEL SECURITY, then create the policies that open what should be open.",
         API),
    Lint("extension_in_public", 14, WARN, SECURITY, "Extension in public",
         "An extension installed in the public schema: its functions and types sit among the application's "
         "objects and in the API's schema.",
         "Install extensions in the extensions schema (ALTER EXTENSION ... SET SCHEMA extensions, when the "
         "extension allows it)."),
    Lint("rls_references_user_metadata", 15, ERROR, SECURITY, "RLS references user metadata",
         "A policy reads user_metadata from the JWT: users can edit their own user metadata, so a policy "
         "trusting it can be bypassed.",
         "Use app_metadata (only the server can set it) or a table the user cannot write.",
         frozenset({"auth"})),
    Lint("materialized_view_in_api", 16, WARN, SECURITY, "Materialized view in API",
         "A materialized view in a schema the API serves, selectable by the API roles: materialized views "
         "have no row-level security, so every row is readable.",
         "Revoke SELECT from anon and authenticated, or move it to a schema the API does not serve.", API),
    Lint("foreign_table_in_api", 17, WARN, SECURITY, "Foreign table in API",
         "A foreign table in a schema the API serves, selectable by the API roles: foreign tables have no "
         "row-level security, so every row is readable.",
         "Revoke SELECT from anon and authenticated, or move it to a schema the API does not serve.", API),
    Lint("unsupported_reg_types", 18, WARN, SECURITY, "Unsupported reg types",
         "A column whose type is a reg* type that stores an object's OID (regproc, regprocedure, regoper, "
         "regoperator, regconfig, regdictionary, regnamespace, regcollation): pg_upgrade refuses such tables, "
         "so the database cannot be upgraded to a new major version.",
         "Store the name as text (or a regclass/regtype column, which pg_upgrade allows) instead."),
    Lint("table_bloat", 20, INFO, PERFORMANCE, "Table bloat",
         "A table holds much more space than its live rows need (dead rows not reclaimed).",
         "VACUUM it (and check why autovacuum falls behind); VACUUM FULL or pg_repack returns the space to "
         "the operating system.", answered_by="tables.bloat"),
    Lint("fkey_to_auth_unique", 21, ERROR, SECURITY, "Foreign key to auth unique constraint",
         "A foreign key references a unique constraint of Supabase's auth schema other than a primary key: "
         "Supabase may change those constraints, and the foreign key would then block its migrations.",
         "Reference auth.users(id) (the primary key) instead.", frozenset({"auth"})),
    Lint("extension_versions_outdated", 22, WARN, SECURITY, "Extension versions outdated",
         "An extension is installed at an older version than the server offers: fixes (security ones too) "
         "of the newer version are not in use.",
         "ALTER EXTENSION ... UPDATE (read the extension's release notes first)."),
    Lint("sensitive_columns_exposed", 23, ERROR, SECURITY, "Sensitive columns exposed",
         "A table the API serves without row-level security has columns whose names suggest secrets or "
         "personal data (password, ssn, card numbers, ...): anyone with the anon key can read them.",
         "Enable row-level security with policies, revoke the columns from the API roles, or move the table "
         "out of the exposed schemas.", API),
    Lint("rls_policy_always_true", 24, WARN, SECURITY, "RLS policy always true",
         "A policy for writes whose condition is always true: it lets the roles it names change every row, "
         "which row-level security was meant to prevent.",
         "Write the condition that limits the rows (e.g. (select auth.uid()) = user_id).", API),
    Lint("anon_security_definer_function_executable", 28, WARN, SECURITY,
         "Security definer function executable by anon",
         "A SECURITY DEFINER function in a schema the API serves can be called by anon through the API "
         "(/rest/v1/rpc/...): it runs with its owner's privileges for anyone holding the anon key.",
         "REVOKE EXECUTE ON FUNCTION ... FROM anon, PUBLIC; or make it SECURITY INVOKER; or move it out of "
         "the exposed schemas.", API),
    Lint("authenticated_security_definer_function_executable", 29, WARN, SECURITY,
         "Security definer function executable by authenticated users",
         "A SECURITY DEFINER function in a schema the API serves can be called by any signed-in user through "
         "the API: it runs with its owner's privileges.",
         "REVOKE EXECUTE ON FUNCTION ... FROM authenticated, PUBLIC where signed-in users need not call it; "
         "or make it SECURITY INVOKER; or move it out of the exposed schemas.", API),
]

LINTS: dict[str, Lint] = {lint.name: lint for lint in _ALL}


# Column names that suggest secrets or personal data (sensitive_columns_exposed): a column matches when
# its name, lower-cased with dashes as underscores, is one of these.
SENSITIVE_NAMES = (
    # credentials
    "password", "passwd", "pwd", "password_hash", "passphrase", "secret", "client_secret", "secret_key",
    "private_key", "api_key", "apikey", "access_key", "auth_key", "token", "access_token", "refresh_token",
    "session_token", "jwt", "otp", "totp_secret", "recovery_code", "backup_code", "verification_code",
    "mfa_secret",
    # identity documents
    "ssn", "social_security_number", "national_id", "tax_id", "passport_number", "drivers_license",
    "driver_license", "license_number",
    # money
    "credit_card", "card_number", "cvv", "cvc", "iban", "bank_account", "account_number", "routing_number",
    # health
    "medical_record", "health_record", "diagnosis", "insurance_number",
    # devices and keys
    "imei", "mac_address", "ssh_key", "pgp_key", "license_key",
)


def outside_supabase(schema: str) -> bool:
    """Supabase's linter leaves its own schemas (and the system's) alone."""
    return schema not in SUPABASE_SCHEMAS and not schema.startswith("pg_")


def tag_outside_supabase(finding: Finding, name: str, schema: str) -> Finding:
    """An existing check's finding, tagged with Supabase's lint when the object is where Supabase looks."""
    return tag(finding, name) if outside_supabase(schema) else finding


def docs_url(name: str) -> str:
    return LINTS[name].docs_url


def tag(finding: Finding, name: str) -> Finding:
    """The finding, marked as an answer to Supabase's lint `name`, with the lint's docs link in its evidence."""
    lint = LINTS[name]  # KeyError for a name Supabase's linter does not have
    return replace(finding, supabase_lint=lint.name,
                   evidence={**finding.evidence, "supabase_level": lint.level, "docs": lint.docs_url})
