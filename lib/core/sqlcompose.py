"""Render psycopg.sql compositions to text, for SQL that is shown, audited or run later."""

from __future__ import annotations

from psycopg import sql


def render(statement: sql.Composable) -> str:
    """The exact SQL text, names quoted as PostgreSQL needs (no connection needed)."""
    return statement.as_string(None)


def qualified(schema: str, name: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(name))
