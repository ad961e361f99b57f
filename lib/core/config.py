"""Where the databases and thresholds come from.

Order of sources, Streamlit's conventions first:
1. `[connections.<name>]` sections of `.streamlit/secrets.toml` (project folder, then ~/.streamlit),
2. `DATABASE_URL`,
3. the libpq environment (PGHOST, PGSERVICE, PGDATABASE ...: libpq reads them and .pgpass itself),
4. the embedded demo database when none of the above is configured (or PGPULSE_DEMO=1).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from psycopg.conninfo import conninfo_to_dict, make_conninfo

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEMO_NAME = "demo"
POOLER_PORTS = {"6543"}
LIBPQ_ENV = ("PGHOST", "PGHOSTADDR", "PGSERVICE", "PGDATABASE", "PGPORT", "PGUSER")

# Keys of a [connections.<name>] section that are pgpulse options rather than libpq parameters.
OPTION_KEYS = {"url", "label", "actions", "plan_limit_mb", "pooler", "type", "dialect"}
FIELD_ALIASES = {"database": "dbname", "username": "user"}


@dataclass(frozen=True)
class Thresholds:
    """The guide's defaults (see DESIGN.md); overridden by `[pgpulse.thresholds]` in secrets.toml."""

    slow_query_ms: float = 100.0
    target_pk_lookup_ms: float = 50.0
    target_join_ms: float = 200.0
    target_write_ms: float = 100.0
    target_batch_insert_ms: float = 500.0
    target_full_scan_ms: float = 1000.0
    target_dashboard_ms: float = 300.0
    target_full_scan_max_rows: int = 10_000
    nplus1_min_calls: int = 100
    nplus1_max_rows_per_call: float = 10.0
    nplus1_call_ratio: float = 10.0
    dead_tuple_ratio: float = 0.20
    unused_index_min_stats_age_days: float = 7.0
    unused_index_min_size_mb: float = 0.0
    plan_limit_mb: float = 0.0  # 0: no plan limit (lib.live.overview.plan_limit says which applies)
    database_size_ratio: float = 0.80
    max_active_connections: int = 50
    connections_ratio: float = 0.80
    cache_hit_ratio: float = 0.99
    long_running_s: float = 60.0
    idle_in_transaction_s: float = 60.0
    # Replication: an inactive slot keeps WAL until the disk fills (warning), critical past this much WAL;
    # a standby this far behind in replay is a finding.
    inactive_slot_critical_mb: float = 1024.0
    replication_lag_s: float = 60.0
    sequence_ratio: float = 0.90
    partition_rows: int = 10_000_000
    # Monitoring sessions: a dashboard must never queue behind someone's lock.
    statement_timeout_ms: int = 15_000
    lock_timeout_ms: int = 1_000
    action_lock_timeout_ms: int = 5_000
    connect_timeout_s: int = 5
    # EXPLAIN runs a user's statement: its default timeout (adjustable per run) and lock wait.
    explain_statement_timeout_ms: int = 30_000
    explain_lock_timeout_ms: int = 2_000
    # Live activity, pooling advice and settings checks (issue 8).
    activity_refresh_s: float = 5.0
    cpu_cores: int = 0  # 0 = unknown: PostgreSQL cannot see the machine, so enter it for pooling advice
    spindles: int = 1  # effective spindle count (1 for SSD / cloud storage)
    idle_connections_ratio: float = 0.5
    idle_connections_min: int = 10
    temp_spill_mb: float = 64.0
    # Tables, indexes and schema.
    dead_tuples_min: int = 1_000
    table_bloat_ratio: float = 0.30
    index_bloat_ratio: float = 0.40
    bloat_min_mb: float = 10.0
    xid_age_warning_ratio: float = 0.50
    xid_age_critical_ratio: float = 0.75
    sequence_critical_ratio: float = 0.98
    seq_scan_min_rows: int = 10_000
    seq_scan_min_count: int = 10
    status_max_distinct: int = 20
    max_findings_per_check: int = 100
    # History (lib/history): how often snapshots are taken, how long each resolution is kept, and
    # what the weekly review calls a regression (mean up by this factor) or an improvement.
    history_interval_s: int = 300
    history_raw_days: float = 2.0
    history_hourly_days: float = 90.0
    history_retention_days: float = 365.0
    history_findings_interval_s: int = 3600
    regression_ratio: float = 1.5
    improvement_min_ms: float = 1.0
    # Maintenance actions: 0 = no statement timeout (a REINDEX may take long; it can be cancelled).
    action_statement_timeout_ms: int = 0
    weekly_routine_tables: int = 10
    weekly_routine_min_changes: int = 50

    @classmethod
    def from_mapping(cls, values: Mapping | None) -> Thresholds:
        if not values:
            return cls()
        known = {f.name: f.type for f in fields(cls)}
        unknown = set(values) - set(known)
        if unknown:
            raise ConfigError(f"unknown threshold(s) in [pgpulse.thresholds]: {', '.join(sorted(unknown))}")
        converted = {}
        for key, value in values.items():
            default = getattr(cls, key)
            try:
                converted[key] = type(default)(value)
            except (TypeError, ValueError):
                raise ConfigError(f"threshold {key} must be a number, not {value!r}") from None
        return cls(**converted)


class ConfigError(ValueError):
    """A configuration mistake, worded for the person who made it."""


@dataclass(frozen=True)
class DatabaseConfig:
    name: str
    conninfo: str = field(repr=False)  # may hold a password: never show it, use `display`
    source: str
    label: str = ""
    actions_enabled: bool = False
    plan_limit_mb: float | None = None
    pooler: bool = False
    embedded: bool = False

    @property
    def display(self) -> str:
        return describe_conninfo(self.conninfo)

    @property
    def title(self) -> str:
        return self.label or self.name


def describe_conninfo(conninfo: str) -> str:
    """user@host:port/dbname, never the password."""
    try:
        params = conninfo_to_dict(conninfo)
    except Exception:
        return "(unreadable connection string)"
    host = params.get("host") or params.get("hostaddr") or os.environ.get("PGHOST") or "local socket"
    port = params.get("port") or os.environ.get("PGPORT") or "5432"
    user = params.get("user") or os.environ.get("PGUSER") or ""
    dbname = params.get("dbname") or os.environ.get("PGDATABASE") or user
    if params.get("service"):
        return f"service {params['service']}"
    return f"{user + '@' if user else ''}{host}:{port}/{dbname}"


def strip_pooler_flag(url: str) -> tuple[str, bool]:
    """Remove Prisma-style `pgbouncer=true` (libpq rejects unknown URL parameters) and report it."""
    if not url.startswith(("postgres://", "postgresql://")):
        return url, False
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    flag = any(k == "pgbouncer" and v.lower() in ("true", "1", "yes") for k, v in query)
    kept = [(k, v) for k, v in query if k != "pgbouncer"]
    return urlunsplit(parts._replace(query=urlencode(kept))), flag


def validated(conninfo: str, where: str) -> str:
    try:
        conninfo_to_dict(conninfo)
    except Exception as exc:
        # libpq's message can quote the string: keep only its first line, without the DSN.
        reason = str(exc).splitlines()[0] if str(exc) else "unreadable"
        raise ConfigError(f"the connection string in {where} is not valid: {reason}") from None
    return conninfo


def is_pooler(conninfo: str, flagged: bool) -> bool:
    if flagged:
        return True
    try:
        port = str(conninfo_to_dict(conninfo).get("port") or "")
    except Exception:
        return False
    return port in POOLER_PORTS


def database_from_section(name: str, section: Mapping) -> DatabaseConfig:
    where = f"[connections.{name}]"
    if "url" in section:
        conninfo, flagged = strip_pooler_flag(str(section["url"]))
    else:
        params = {FIELD_ALIASES.get(k, k): v for k, v in section.items() if k not in OPTION_KEYS}
        if not params:
            raise ConfigError(f"{where} needs a url or connection fields (host, port, dbname, user, password)")
        conninfo, flagged = make_conninfo(**{k: str(v) for k, v in params.items()}), False
    conninfo = validated(conninfo, where)
    plan_limit = section.get("plan_limit_mb")
    return DatabaseConfig(
        name=name,
        conninfo=conninfo,
        source="secrets.toml",
        label=str(section.get("label", "")),
        actions_enabled=bool(section.get("actions", False)),
        plan_limit_mb=float(plan_limit) if plan_limit is not None else None,
        pooler=bool(section.get("pooler", False)) or is_pooler(conninfo, flagged),
    )


def secrets_paths() -> list[Path]:
    explicit = os.environ.get("PGPULSE_SECRETS")
    if explicit:
        return [Path(explicit)]
    return [Path.home() / ".streamlit" / "secrets.toml", Path.cwd() / ".streamlit" / "secrets.toml",
            PROJECT_DIR / ".streamlit" / "secrets.toml"]


def load_secrets_files() -> dict:
    """The same files Streamlit reads, merged the same way (later files win)."""
    merged: dict = {}
    seen = set()
    for path in secrets_paths():
        resolved = path.resolve()
        if resolved in seen or not path.is_file():
            continue
        seen.add(resolved)
        try:
            data = tomllib.loads(path.read_text())
        except (tomllib.TOMLDecodeError, OSError) as exc:
            raise ConfigError(f"{path} could not be read: {exc}") from None
        for key, value in data.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    return merged


@dataclass(frozen=True)
class Settings:
    databases: tuple[DatabaseConfig, ...]
    thresholds: Thresholds
    store_url: str | None
    app_password: str | None = field(default=None, repr=False)
    alerts: dict = field(default_factory=dict, repr=False)  # raw [pgpulse.alerts]; lib.alerts.config reads it

    def database(self, name: str) -> DatabaseConfig:
        for db in self.databases:
            if db.name == name:
                return db
        names = ", ".join(d.name for d in self.databases) or "none"
        raise ConfigError(f"no database named {name!r} is configured (configured: {names})")


def demo_database(conninfo: str = "") -> DatabaseConfig:
    return DatabaseConfig(name=DEMO_NAME, conninfo=conninfo, source="embedded demo",
                          label="Demo (embedded PostgreSQL 18)", actions_enabled=True, embedded=True)


def load_settings(secrets: Mapping | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    secrets = load_secrets_files() if secrets is None else secrets
    environ = os.environ if environ is None else environ
    databases = [database_from_section(name, section)
                 for name, section in (secrets.get("connections") or {}).items()]
    if environ.get("DATABASE_URL"):
        url, flagged = strip_pooler_flag(environ["DATABASE_URL"])
        url = validated(url, "DATABASE_URL")
        databases.append(DatabaseConfig(name="env", conninfo=url, source="DATABASE_URL",
                                        label="DATABASE_URL", pooler=is_pooler(url, flagged),
                                        actions_enabled=environ.get("PGPULSE_ACTIONS") == "1"))
    elif any(environ.get(var) for var in LIBPQ_ENV):
        databases.append(DatabaseConfig(name="libpq", conninfo="", source="libpq environment",
                                        label="libpq environment",
                                        actions_enabled=environ.get("PGPULSE_ACTIONS") == "1"))
    if not databases or environ.get("PGPULSE_DEMO") == "1":
        databases.append(demo_database())
    app = secrets.get("pgpulse") or {}
    return Settings(
        databases=tuple(databases),
        thresholds=Thresholds.from_mapping(app.get("thresholds")),
        store_url=environ.get("PGPULSE_STORE_URL") or app.get("store_url"),
        app_password=environ.get("PGPULSE_PASSWORD") or app.get("password"),
        alerts=dict(app.get("alerts") or {}),
    )


def with_conninfo(config: DatabaseConfig, conninfo: str) -> DatabaseConfig:
    return replace(config, conninfo=conninfo)


def data_home() -> Path:
    """pgpulse's own files (store, demo data directory), outside the repository."""
    home = Path(os.environ.get("PGPULSE_HOME") or Path.home() / ".local" / "share" / "pgpulse")
    home.mkdir(parents=True, exist_ok=True)
    return home
