"""Create the demo schema and its data (schema.sql) in a database, once.

A row in pgpulse_demo.meta marks a finished load of SCHEMA_VERSION; it is written last, so an
interrupted load is simply redone (the first step of schema.sql drops what an earlier try left).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg

from lib.supabase import shape

SCHEMA_VERSION = 3  # 2: the demo is a Supabase-shaped project (supabase.sql); 3: its RLS problems (rls.sql)
SCHEMA_FILE = Path(__file__).with_name("schema.sql")
SUPABASE_FILE = Path(__file__).with_name("supabase.sql")
RLS_FILE = Path(__file__).with_name("rls.sql")
LOAD_APPLICATION_NAME = "pgpulse-demo-load"

Progress = Callable[[float, str], None]

_STEP_LINE = re.compile(r"^-- step: (\d+) (.+)$", re.MULTILINE)


def no_progress(fraction: float, text: str) -> None:
    pass


@dataclass(frozen=True)
class Step:
    weight: int
    text: str
    sql: str


def schema_steps(source: str | None = None) -> list[Step]:
    """The steps of schema.sql, in order: each is run as one simple-protocol query."""
    source = SCHEMA_FILE.read_text() if source is None else source
    marks = list(_STEP_LINE.finditer(source))
    steps = []
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        end = following.start() if following else len(source)
        steps.append(Step(int(mark.group(1)), mark.group(2).strip(), source[mark.end():end].strip()))
    return steps


def installed_version(conn: psycopg.Connection) -> int | None:
    """The demo schema version loaded in this database, or None."""
    if conn.execute("SELECT to_regclass('pgpulse_demo.meta')").fetchone()[0] is None:
        return None
    row = conn.execute("SELECT max(version) FROM pgpulse_demo.meta").fetchone()
    return row[0]


def load_schema(conninfo: str, progress: Progress = no_progress, *, force: bool = False) -> None:
    """Create the demo tables, data and planted problems, unless this version is already there.

    `force` drops and reloads the demo objects even when they are current. Needs a superuser
    (CREATE EXTENSION), which the embedded demo server gives.
    """
    with psycopg.connect(conninfo, autocommit=True, application_name=LOAD_APPLICATION_NAME) as conn:
        # Two app sessions starting at once: the second waits here, then finds the schema loaded.
        # (A session lock: released when this connection closes, whatever happens.)
        conn.execute("SELECT pg_advisory_lock(hashtext('pgpulse_demo.load'))")
        if not force and installed_version(conn) == SCHEMA_VERSION:
            progress(1.0, "demo schema already loaded")
            return
        # The load's own statements (huge INSERT ... SELECT) are not the workload the dashboard
        # should talk about: keep them out of pg_stat_statements.
        try:
            conn.execute("SET pg_stat_statements.track = 'none'")
        except psycopg.errors.InsufficientPrivilege:
            pass  # tracked then; harmless
        steps = [*schema_steps(), Step(1, "shaping it like a Supabase project", shape.SHAPE_SQL.read_text()),
                 *schema_steps(SUPABASE_FILE.read_text()), *schema_steps(RLS_FILE.read_text())]
        total = sum(s.weight for s in steps)
        done = 0
        for step in steps:
            progress(done / total, step.text)
            conn.execute(step.sql.encode())
            done += step.weight
        conn.execute("INSERT INTO pgpulse_demo.meta (version) VALUES (%s)", (SCHEMA_VERSION,))
        # Make the purge's dead tuples visible in pg_stat_user_tables right away.
        conn.execute("SELECT pg_stat_force_next_flush()")
        progress(1.0, "demo schema loaded")
