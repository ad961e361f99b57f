"""What a monitored database offers, detected once per connection: every feature asks this object."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import psycopg

from lib.core import sqlfiles
from lib.core.db import run

# The PostgreSQL versions the project still maintains (14 reached its end of life in November 2026):
# the ones pgpulse's queries are written and tested for.
MIN_SERVER_VERSION = 150000
# The pg_stat_statements our queries read (queries/pgss_rows*.sql): 1.10 came with PostgreSQL 15 (jit_*,
# temp_blk_*_time), 1.11 with 17 (shared_/local_blk_*_time, stats_since). A database upgraded with
# pg_upgrade keeps its older extension until ALTER EXTENSION ... UPDATE.
PGSS_NEEDED = ((170000, (1, 11)), (0, (1, 10)))

SUPABASE_HINT = ("On Supabase: Database → Extensions → enable pg_stat_statements "
                 "(it is preloaded there and lives in the `extensions` schema).")


@dataclass(frozen=True)
class Capabilities:
    version_num: int
    version: str
    database: str
    role: str
    superuser: bool
    read_all_stats: bool
    monitor: bool
    replica: bool
    pgss_loaded: bool
    compute_query_id: str | None
    track_io_timing: bool
    max_connections: int
    reserved_connections: int
    extensions: dict = field(default_factory=dict)  # name -> {"schema", "version"}
    available: frozenset = frozenset()
    pgss_error: str | None = None  # why pg_stat_statements could not be read, when it could not
    pgss_hidden_texts: int = 0  # statements whose text this role may not see
    supabase: bool = False  # a Supabase project: supabase_admin role + auth and storage schemas

    @property
    def major(self) -> int:
        return self.version_num // 10000

    def extension_schema(self, name: str) -> str | None:
        return (self.extensions.get(name) or {}).get("schema")

    @property
    def pgss_schema(self) -> str | None:
        return self.extension_schema("pg_stat_statements")

    @property
    def pgss_version(self) -> str | None:
        return (self.extensions.get("pg_stat_statements") or {}).get("version")

    @property
    def has_pgss(self) -> bool:
        return (self.pgss_schema is not None and self.pgss_loaded and self.pgss_error is None
                and self.supported and self.pgss_update_needed is None)

    @property
    def supported(self) -> bool:
        return self.version_num >= MIN_SERVER_VERSION

    def version_problem(self) -> str | None:
        if self.supported:
            return None
        return (f"PostgreSQL {self.version} is older than pgpulse supports (15 and later, the versions the "
                "PostgreSQL project still maintains): query statistics are not shown and other pages may "
                "fail. Upgrading the server is the fix.")

    @property
    def pgss_update_needed(self) -> str | None:
        """The extension version this server's queries need, when the installed one is older."""
        installed = _version_tuple(self.pgss_version)
        needed = next(v for floor, v in PGSS_NEEDED if self.version_num >= floor)
        if installed is None or installed >= needed:
            return None
        return ".".join(map(str, needed))

    @property
    def sees_all_stats(self) -> bool:
        return self.superuser or self.read_all_stats or self.monitor

    @property
    def hypopg(self) -> bool:
        return "hypopg" in self.extensions

    @property
    def pgstattuple(self) -> bool:
        return "pgstattuple" in self.extensions

    @property
    def pg_buffercache(self) -> bool:
        return "pg_buffercache" in self.extensions

    def pgss_problem(self) -> str | None:
        """A sentence saying why slow-query statistics are missing and how to enable them, or None."""
        if not self.pgss_loaded:
            return ("pg_stat_statements is not loaded by the server. Add it to shared_preload_libraries "
                    "in postgresql.conf (shared_preload_libraries = 'pg_stat_statements'), restart "
                    "PostgreSQL, then run CREATE EXTENSION pg_stat_statements; " + SUPABASE_HINT)
        if self.pgss_schema is None:
            return ("pg_stat_statements is loaded but the extension is not created in this database: "
                    "run CREATE EXTENSION pg_stat_statements; " + SUPABASE_HINT)
        if not self.supported:
            return self.version_problem()
        if self.pgss_update_needed:
            return (f"pg_stat_statements {self.pgss_version} in this database is older than PostgreSQL "
                    f"{self.major} provides ({self.pgss_update_needed} or later), as after a pg_upgrade: run "
                    f"ALTER EXTENSION pg_stat_statements UPDATE; to read its statistics.")
        if self.pgss_error:
            return f"pg_stat_statements cannot be read: {self.pgss_error}"
        return None

    def privilege_note(self) -> str | None:
        if self.sees_all_stats:
            return None
        return (f"Role {self.role} is not a member of pg_read_all_stats or pg_monitor, so other roles' "
                "query texts and sessions show as <insufficient privilege>. Run "
                f"GRANT pg_monitor TO {self.role}; as a superuser to see everything.")

    def summary(self) -> dict:
        """The About panel's facts, in words."""
        return {
            "Server version": self.version,
            "Database": self.database,
            "Role": self.role,
            "Superuser": self.superuser,
            "pg_read_all_stats / pg_monitor": self.read_all_stats or self.monitor,
            "Replica (read-only)": self.replica,
            "pg_stat_statements loaded": self.pgss_loaded,
            "pg_stat_statements schema": self.pgss_schema or "not created",
            "pg_stat_statements version": self.pgss_version or "",
            "compute_query_id": self.compute_query_id or "n/a",
            "track_io_timing": self.track_io_timing,
            "hypopg": self.hypopg,
            "pgstattuple": self.pgstattuple,
            "pg_buffercache": self.pg_buffercache,
            "max_connections": self.max_connections,
            "Supabase project": self.supabase,
        }


def _version_tuple(text: str | None) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in text.split(".")) if text else None
    except ValueError:
        return None


def detect(db) -> Capabilities:
    with db.connection() as conn:
        # The capabilities query must run before the version is known: it has one variant only.
        row = run(conn, sqlfiles.load("capabilities", 0))[0]
        caps = Capabilities(
            version_num=row["version_num"], version=row["version"], database=row["database"],
            role=row["role"], superuser=bool(row["superuser"]), read_all_stats=bool(row["read_all_stats"]),
            monitor=bool(row["monitor"]), replica=bool(row["replica"]), pgss_loaded=bool(row["pgss_loaded"]),
            compute_query_id=row["compute_query_id"], track_io_timing=row["track_io_timing"] == "on",
            max_connections=row["max_connections"], reserved_connections=row["reserved_connections"],
            extensions=row["extensions"] or {}, available=frozenset(row["available"] or []),
            supabase=bool(row["supabase"]),
        )
        if caps.pgss_schema and caps.pgss_loaded and caps.supported and not caps.pgss_update_needed:
            try:
                probe = run(conn, db.statement("pgss_probe", caps))[0]
            except psycopg.Error as exc:
                return replace(caps, pgss_error=str(exc).splitlines()[0])
            caps = replace(caps, pgss_hidden_texts=probe["hidden_texts"])
    return caps
