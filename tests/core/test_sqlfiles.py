"""The SQL loader: every name asked for resolves, every file is used, every file runs on every server."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from lib.core import sqlfiles
from tests.query_samples import SAMPLE_PARAMS

REPO = Path(__file__).resolve().parents[2]
# How code names a query: db.rows("x"), db.frame("x"), db.one("x"), db.statement("x"), sqlfiles.load("x", ...),
# or a table of queries run later: query="x"
NAME_USE = re.compile(r"""(?:\b(?:rows|frame|one|statement|load|variant_path)\(\s*|\bquery=)["']([a-z0-9_]+)["']""")
PARAM = re.compile(r"%\((\w+)\)s")


def names_used_in_code() -> set[str]:
    """Names the code asks for, and the names query files embed as {query:name}."""
    used = set()
    for path in [REPO / "app.py", *(REPO / "lib").rglob("*.py"), *(REPO / "pages").rglob("*.py")]:
        used |= set(NAME_USE.findall(path.read_text()))
    for path in sqlfiles.QUERIES_DIR.glob("*.sql"):
        used |= set(sqlfiles.INCLUDE.findall(path.read_text()))
    return used


def test_every_name_used_resolves_to_a_file():
    missing = names_used_in_code() - set(sqlfiles.catalog())
    assert not missing, f"code asks for queries with no file: {sorted(missing)}"


def test_every_file_is_used():
    unused = set(sqlfiles.catalog()) - names_used_in_code()
    assert not unused, f"query files no code uses: {sorted(unused)}"


def test_variant_choice_follows_server_version(tmp_path, monkeypatch):
    for name in ("q.sql", "q_post_150000.sql", "q_post_170000.sql"):
        (tmp_path / name).write_text(f"SELECT '{name}'")
    monkeypatch.setattr(sqlfiles, "QUERIES_DIR", tmp_path)
    sqlfiles.catalog.cache_clear()
    try:
        assert sqlfiles.variant_path("q", 140010).name == "q.sql"
        assert sqlfiles.variant_path("q", 150000).name == "q_post_150000.sql"
        assert sqlfiles.variant_path("q", 160004).name == "q_post_150000.sql"
        assert sqlfiles.variant_path("q", 180001).name == "q_post_170000.sql"
        with pytest.raises(sqlfiles.UnknownQuery):
            sqlfiles.variant_path("nope", 180000)
    finally:
        sqlfiles.catalog.cache_clear()


def test_embedded_query_follows_the_same_server_version(tmp_path, monkeypatch):
    (tmp_path / "outer.sql").write_text("SELECT n FROM {query:inner} AS i")
    (tmp_path / "inner.sql").write_text("SELECT 15 AS n -- old servers")
    (tmp_path / "inner_post_170000.sql").write_text("SELECT 17 AS n")
    monkeypatch.setattr(sqlfiles, "QUERIES_DIR", tmp_path)
    sqlfiles.catalog.cache_clear()
    try:
        assert sqlfiles.body("outer", 160000) == "SELECT n FROM (\nSELECT 15 AS n -- old servers\n) AS i"
        assert sqlfiles.body("outer", 180000) == "SELECT n FROM (\nSELECT 17 AS n\n) AS i"
        (tmp_path / "inner.sql").write_text("SELECT * FROM {query:outer} AS o")
        with pytest.raises(ValueError, match="outer -> inner -> outer"):
            sqlfiles.body("outer", 160000)
    finally:
        sqlfiles.catalog.cache_clear()


def test_badly_named_file_is_refused(tmp_path, monkeypatch):
    (tmp_path / "Bad-Name.sql").write_text("SELECT 1")
    monkeypatch.setattr(sqlfiles, "QUERIES_DIR", tmp_path)
    sqlfiles.catalog.cache_clear()
    try:
        with pytest.raises(ValueError, match="Bad-Name.sql"):
            sqlfiles.catalog()
    finally:
        sqlfiles.catalog.cache_clear()


def test_every_variant_is_exercised_by_some_server(pg_servers):
    versions = []
    for server in pg_servers.values():
        with psycopg.connect(server.url) as conn:
            versions.append(int(conn.execute("SHOW server_version_num").fetchone()[0]))
    untested = [path.name for name, variants in sqlfiles.catalog().items() for path in variants.values()
                if all(sqlfiles.variant_path(name, v) != path for v in versions)]
    assert not untested, f"no server in the test matrix runs {untested}"


def test_every_file_runs(demo_url):
    """Each query's variant for this server runs against the demo database."""
    from tests.conftest import make_db

    with psycopg.connect(demo_url, autocommit=True) as conn:  # hypopg where the server has it (15 here)
        if conn.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'hypopg'").fetchone()[0]:
            conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
    db = make_db(demo_url)
    try:
        caps = db.capabilities
        assert caps.has_pgss, caps.pgss_problem()
        for name in sorted(sqlfiles.catalog()):
            text = sqlfiles.variant_path(name, caps.version_num).read_text()
            if "{hypopg}" in text and not caps.hypopg:
                continue  # the embedded 18 has no hypopg; tests/advisor runs these files on 15
            missing = set(PARAM.findall(text)) - set(SAMPLE_PARAMS)
            assert not missing, f"add sample values for {missing} to tests/query_samples.py"
            db.rows(name, SAMPLE_PARAMS)  # raises on any SQL error
    finally:
        db.close()
