"""Install the Supabase-shaped fixture (shape.sql) into a database: tests and the demo use it."""

from __future__ import annotations

from pathlib import Path

import psycopg

SHAPE_SQL = Path(__file__).with_name("shape.sql")


def install(conninfo: str) -> None:
    """Make the database Supabase-shaped (idempotent). Needs a role that may create roles and schemas."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(SHAPE_SQL.read_text())
