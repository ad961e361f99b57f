"""Real PostgreSQL servers for the tests: the embedded 18 always, the system's 15 when installed."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

from lib.core.pgserver import LocalServer, embedded_bin_dir, free_port

PG15_BIN = Path("/usr/lib/postgresql/15/bin")


def available_bin_dirs() -> dict[str, Path]:
    dirs = {"pg18": embedded_bin_dir()}
    if (PG15_BIN / "postgres").exists():
        dirs["pg15"] = PG15_BIN
    elif os.environ.get("PGPULSE_REQUIRE_PG15") == "1":
        raise RuntimeError(f"PostgreSQL 15 is required but {PG15_BIN} is missing (apt-get install postgresql-15)")
    return dirs


def start_server(bin_dir: Path, preload: bool = True) -> LocalServer:
    # Under /tmp, not pytest's tmp_path: the server runs as another user and /tmp is open to it.
    data = Path(tempfile.mkdtemp(prefix="pgpulse-test-")) / "data"
    server = LocalServer(bin_dir, data, free_port(), preload_pg_stat_statements=preload)
    server.ensure_started()
    return server


def create_database(server: LocalServer, prefix: str = "t", extensions: tuple[str, ...] = ("pg_stat_statements",)
                    ) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = server.url_for(name)
    with psycopg.connect(url, autocommit=True) as conn:
        for ext in extensions:
            conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(ext)))
    return url
