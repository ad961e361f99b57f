"""The one loader of queries/*.sql.

`queries/<name>.sql` serves every supported server; `queries/<name>_post_<NNNNNN>.sql` serves servers
whose version number is at least NNNNNN (e.g. `_post_170000` for PostgreSQL 17 and later). The loader
picks the variant with the highest minimum version that the server meets, so no caller writes version
ladders. Files use psycopg's `%(name)s` parameters (so a literal percent is `%%`) and `{pgss}` for the
schema of pg_stat_statements, composed through psycopg.sql (so a literal brace is `{{` or `}}`);
likewise `{pg_buffercache}`, `{pgstattuple}` and `{hypopg}` for those extensions' schemas.

A file may embed another as a subquery: `FROM {query:pgss_rows} s` puts that file's variant for the
same server there, in parentheses. Differences between versions then live in one small file (the
renamed pg_stat_statements columns in `pgss_rows`) rather than in whole copies of the big queries.

Every statement is tagged `/* pgpulse */` at its end (and its start), so lists of pg_stat_statements
leave the app's own statements out with `strpos(query, '/* pgpulse */') = 0`: PostgreSQL 18 records
a statement's text without its leading comments but keeps a trailing one (and strpos is cheaper than
a LIKE '%...' over megabytes of text).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

QUERIES_DIR = Path(__file__).resolve().parents[2] / "queries"
INCLUDE = re.compile(r"\{query:([a-z0-9_]+)\}")
VARIANT = re.compile(r"^(?P<name>[a-z0-9_]+?)(?:_post_(?P<version>\d{6}))?\.sql$")

# Extensions whose schema a query file may name as {extension} (besides {pgss}).
EXTENSIONS = ("pg_buffercache", "pgstattuple", "hypopg")

# Marks the app's own statements so its slow-query lists can leave them out.
TAG = "/* pgpulse */ "
TAIL = "\n/* pgpulse */"


class UnknownQuery(KeyError):
    pass


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[int, Path]]:
    """name -> {minimum server version -> file}; the base file has minimum 0."""
    found: dict[str, dict[int, Path]] = {}
    for path in sorted(QUERIES_DIR.glob("*.sql")):
        match = VARIANT.match(path.name)
        if not match:
            raise ValueError(f"query file {path.name} does not follow <name>[_post_NNNNNN].sql")
        found.setdefault(match["name"], {})[int(match["version"] or 0)] = path
    return found


def variant_path(name: str, server_version_num: int) -> Path:
    variants = catalog().get(name)
    if not variants:
        raise UnknownQuery(f"no query file queries/{name}.sql")
    eligible = [v for v in variants if v <= server_version_num]
    if not eligible:
        raise UnknownQuery(f"queries/{name}: no variant for server version {server_version_num}")
    return variants[max(eligible)]


def body(name: str, server_version_num: int, outer: tuple[str, ...] = ()) -> str:
    """The file's text for this server with its {query:...} subqueries filled in."""
    if name in outer:
        raise ValueError(f"queries/{name} embeds itself: {' -> '.join((*outer, name))}")
    text = variant_path(name, server_version_num).read_text().rstrip()
    return INCLUDE.sub(lambda found: "(\n" + body(found[1], server_version_num, (*outer, name)) + "\n)", text)


@lru_cache(maxsize=512)
def load(name: str, server_version_num: int) -> str:
    return TAG + body(name, server_version_num) + TAIL
