"""The server settings the guide's advice depends on: value for humans, where it comes from, why it matters."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# name -> why it matters for this guide (shown beside the value)
GUIDE_SETTINGS: dict[str, str] = {
    "shared_buffers": "PostgreSQL's own cache; about 25% of RAM is the usual start.",
    "effective_cache_size": "What the planner assumes the OS and PostgreSQL cache together (about 50–75% of "
                            "RAM); too low makes index scans look expensive.",
    "work_mem": "Memory per sort or hash before it spills to temporary files on disk.",
    "maintenance_work_mem": "Memory for VACUUM, CREATE INDEX and REINDEX: more makes them faster.",
    "random_page_cost": "Planner cost of a random read; 4 suits spinning disks, 1.1 suits SSD and cloud storage.",
    "max_connections": "Every connection costs memory; a pooler serves many clients with few connections.",
    "superuser_reserved_connections": "Slots kept for superusers when the others are exhausted.",
    "reserved_connections": "Slots kept for roles with pg_use_reserved_connections (PostgreSQL 16+).",
    "autovacuum": "Removes dead tuples and refreshes statistics by itself; never turn it off.",
    "autovacuum_max_workers": "How many tables autovacuum can work on at once.",
    "autovacuum_naptime": "How often autovacuum looks at each database.",
    "autovacuum_vacuum_scale_factor": "Share of a table that must be dead before autovacuum runs (default 20%).",
    "autovacuum_vacuum_threshold": "Dead tuples added to the scale factor before autovacuum runs.",
    "autovacuum_vacuum_insert_scale_factor": "Share of inserted rows that triggers a vacuum of insert-only tables.",
    "autovacuum_analyze_scale_factor": "Share of a table that must change before statistics are refreshed.",
    "autovacuum_analyze_threshold": "Changed rows added to the scale factor before ANALYZE runs.",
    "autovacuum_vacuum_cost_limit": "How much work autovacuum may do before it pauses (-1: vacuum_cost_limit).",
    "track_io_timing": "Times reads and writes, so slow queries show whether they wait on disk.",
    "pg_stat_statements.max": "How many distinct statements are tracked; past it the rarest are evicted.",
    "pg_stat_statements.track": "Which statements are tracked: top-level, all (nested too) or none.",
    "compute_query_id": "Query identifiers that pg_stat_statements needs (auto turns them on with it).",
    "log_min_duration_statement": "Logs every statement slower than this (-1: off).",
    "statement_timeout": "Cancels any statement running longer than this (0: never).",
    "lock_timeout": "Gives up waiting for a lock after this (0: waits forever).",
    "idle_in_transaction_session_timeout": "Ends sessions idle inside a transaction for longer than this (0: never).",
    "idle_session_timeout": "Ends sessions idle (outside a transaction) for longer than this (0: never).",
}

MEMORY_UNITS = {"B": 1, "kB": 1024, "8kB": 8192, "MB": 1024 ** 2, "16MB": 16 * 1024 ** 2, "GB": 1024 ** 3}
TIME_UNITS = {"us": 0.001, "ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}
SOURCE_WORDS = {"default": "default", "configuration file": "configuration file", "database": "ALTER DATABASE",
                "user": "ALTER ROLE", "database user": "ALTER ROLE … IN DATABASE", "override": "server override",
                "environment variable": "environment", "command line": "command line", "client": "client"}


@dataclass(frozen=True)
class Setting:
    name: str
    setting: str
    unit: str | None
    vartype: str
    source: str
    boot_val: str | None
    pending_restart: bool = False

    @property
    def at_default(self) -> bool:
        return self.source == "default" or self.setting == self.boot_val

    @property
    def number(self) -> float | None:
        try:
            return float(self.setting)
        except (TypeError, ValueError):
            return None

    @property
    def bytes(self) -> float | None:
        if self.unit in MEMORY_UNITS and self.number is not None and self.number >= 0:
            return self.number * MEMORY_UNITS[self.unit]
        return None

    @property
    def ms(self) -> float | None:
        if self.unit in TIME_UNITS and self.number is not None:
            return self.number * TIME_UNITS[self.unit]
        return None

    @property
    def display(self) -> str:
        """The value as a person reads it: 128 MB, 30 s, off."""
        from lib.core.fmt import fmt_bytes, fmt_ms

        if self.bytes is not None:
            return fmt_bytes(self.bytes)
        if self.ms is not None:
            if self.number == -1 or (self.number == 0 and self.name.endswith("timeout")):
                return "off"
            return fmt_ms(self.ms)
        return self.setting

    @property
    def source_words(self) -> str:
        return SOURCE_WORDS.get(self.source, self.source)


def collect(db) -> dict[str, Setting]:
    rows = db.rows("settings_guide", {"names": list(GUIDE_SETTINGS)})
    return {r["name"]: Setting(r["name"], r["setting"], r["unit"], r["vartype"], r["source"], r["boot_val"],
                               bool(r["pending_restart"])) for r in rows}


def overrides(db) -> pd.DataFrame:
    """ALTER ROLE / DATABASE ... SET entries for the guide's settings (every role's)."""
    return db.frame("settings_overrides", {"names": list(GUIDE_SETTINGS)})


def table(settings: dict[str, Setting]) -> pd.DataFrame:
    """One row per setting in the guide's order; settings this server lacks are left out."""
    rows = [{"setting": name, "value": s.display, "raw": s.setting + (f" ({s.unit})" if s.unit else ""),
             "source": s.source_words + (" · restart pending" if s.pending_restart else ""),
             "default": name in settings and s.at_default, "why": why}
            for name, why in GUIDE_SETTINGS.items() if (s := settings.get(name))]
    return pd.DataFrame(rows, columns=["setting", "value", "raw", "source", "default", "why"])
