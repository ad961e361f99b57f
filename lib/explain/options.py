"""The EXPLAIN options a user may pick, checked against what the server accepts.

Option words are a fixed list composed with psycopg.sql; the user's statement follows on its
own line, exactly as the SQL parser cut it (lib.sqltext.safety), and FORMAT JSON is always on.
Support by version: SETTINGS 12+, WAL 13+ (and only with ANALYZE), BUFFERS without ANALYZE
13+, GENERIC_PLAN 16+ (never with ANALYZE: a generic plan has no parameter values to run with).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from psycopg import sql

from lib.core.sqlfiles import TAG
from lib.explain.errors import BAD_OPTIONS, ExplainRefused

DEFAULT_TIMEOUT_MS = 30_000
SETTINGS_FROM, WAL_FROM, PLAN_BUFFERS_FROM, GENERIC_FROM = 120000, 130000, 130000, 160000
# The app's own statements carry the tag at both ends: PostgreSQL 18's pg_stat_statements
# drops a leading comment, so the slow-query lists can recognise EXPLAIN runs either way.
TAG_END = "/* pgpulse */"


@dataclass(frozen=True)
class ExplainOptions:
    analyze: bool = False
    buffers: bool = True
    verbose: bool = False
    settings: bool = False
    wal: bool = False
    generic_plan: bool = False
    allow_writes: bool = False  # INSERT/UPDATE/DELETE/MERGE and row locks, still rolled back
    confirmed: bool = False  # the user has seen the side effects listed and wants them anyway
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    lock_timeout_ms: int = 2_000


def major(version_num: int) -> int:
    return version_num // 10000


def effective(options: ExplainOptions, version_num: int) -> tuple[ExplainOptions, list[str]]:
    """The options this server can take, with a sentence for each one left out.

    Options that cannot be honoured without changing what the user asked for raise instead.
    """
    if options.timeout_ms <= 0 or options.lock_timeout_ms <= 0:
        raise ExplainRefused(BAD_OPTIONS, ["the statement and lock timeouts must be positive"])
    if options.generic_plan:
        if version_num < GENERIC_FROM:
            raise ExplainRefused(BAD_OPTIONS, [
                f"GENERIC_PLAN needs PostgreSQL 16 or later (this server runs {major(version_num)}): "
                "give values for the placeholders instead"])
        if options.analyze:
            raise ExplainRefused(BAD_OPTIONS, [
                "a generic plan cannot be run (ANALYZE): turn ANALYZE off, or give parameter values"])
    notes = []
    if options.settings and version_num < SETTINGS_FROM:
        options = replace(options, settings=False)
        notes.append("SETTINGS left out: it needs PostgreSQL 12 or later")
    if options.wal and (version_num < WAL_FROM or not options.analyze):
        why = "it needs ANALYZE" if options.analyze is False else "it needs PostgreSQL 13 or later"
        options = replace(options, wal=False)
        notes.append(f"WAL left out: {why}")
    if options.buffers and not options.analyze and version_num < PLAN_BUFFERS_FROM:
        options = replace(options, buffers=False)
        notes.append("BUFFERS left out: without ANALYZE it needs PostgreSQL 13 or later")
    return options, notes


def option_words(options: ExplainOptions) -> list[str]:
    words = []
    if options.generic_plan:
        words.append("GENERIC_PLAN")
    if options.analyze:
        words.append("ANALYZE")
    # explicit both ways: PostgreSQL 18 turns BUFFERS on by itself with ANALYZE
    words.append("BUFFERS" if options.buffers else "BUFFERS false")
    for flag, word in ((options.verbose, "VERBOSE"), (options.settings, "SETTINGS"), (options.wal, "WAL")):
        if flag:
            words.append(word)
    words.append("FORMAT JSON")
    return words


def explain_statement(options: ExplainOptions, statement: str) -> sql.Composed:
    """EXPLAIN (...) followed, on the next line, by the statement exactly as the parser cut it."""
    words = sql.SQL(", ").join(sql.SQL(w) for w in option_words(options))
    return sql.SQL("{tag}EXPLAIN ({words})\n{statement}\n{end}").format(
        tag=sql.SQL(TAG), words=words, statement=sql.SQL(statement), end=sql.SQL(TAG_END))
