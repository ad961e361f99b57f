"""Fixtures: real servers (PostgreSQL 18 embedded, 15 when installed), the demo database, a clean env."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from lib.core.config import DatabaseConfig, Thresholds
from lib.core.db import Database
from tests import servers

REPO = Path(__file__).resolve().parent.parent

# No developer configuration may leak into a test: no secrets file, no libpq environment.
for var in ("DATABASE_URL", "PGHOST", "PGHOSTADDR", "PGSERVICE", "PGDATABASE", "PGPORT", "PGUSER",
            "PGPASSWORD", "PGPULSE_STORE_URL", "PGPULSE_PASSWORD", "PGPULSE_DEMO", "PGPULSE_ACTIONS"):
    os.environ.pop(var, None)
os.environ["PGPULSE_SECRETS"] = str(Path(tempfile.gettempdir()) / "pgpulse-tests-no-secrets.toml")
_HOME = Path(tempfile.mkdtemp(prefix="pgpulse-home-"))
os.environ["PGPULSE_HOME"] = str(_HOME)


@pytest.fixture(scope="session")
def pg_servers():
    started = {name: servers.start_server(bin_dir) for name, bin_dir in servers.available_bin_dirs().items()}
    yield started
    for server in started.values():
        server.destroy()
        shutil.rmtree(server.data_dir.parent, ignore_errors=True)


@pytest.fixture(scope="session", params=list(servers.available_bin_dirs()))
def pg(request, pg_servers):
    """Each available server in turn (tests that touch SQL run on every version)."""
    return pg_servers[request.param]


@pytest.fixture()
def fresh_url(pg) -> str:
    return servers.create_database(pg)


def make_db(url: str, **config) -> Database:
    return Database(DatabaseConfig(name=config.pop("name", "test"), conninfo=url, source="test", **config),
                    Thresholds())


@pytest.fixture()
def fresh_db(fresh_url):
    db = make_db(fresh_url)
    yield db
    db.close()


@pytest.fixture(scope="session")
def demo_urls(pg_servers) -> dict[str, str]:
    """The demo schema and workload loaded into a database of each test server."""
    from lib.demo import content

    urls = {}
    for name, server in pg_servers.items():
        url = servers.create_database(server, prefix="demo", extensions=())
        content.load_schema(url)
        content.run_workload(url)
        urls[name] = url
    return urls


@pytest.fixture()
def demo_url(pg, pg_servers, demo_urls) -> str:
    """The demo database on this server, its workload replayed if a test reset pg_stat_statements."""
    import psycopg

    from lib.demo import content

    url = demo_urls[next(name for name, s in pg_servers.items() if s is pg)]
    with psycopg.connect(url) as conn:
        seen = conn.execute("SELECT count(*) FROM pg_stat_statements WHERE dbid = "
                            "(SELECT oid FROM pg_database WHERE datname = current_database())").fetchone()[0]
    if seen < 20:
        content.run_workload(url)
    return url


@pytest.fixture(scope="session")
def embedded_demo() -> str:
    """The real embedded demo, started by the CLI as a user would (`python -m lib demo`)."""
    done = subprocess.run([sys.executable, "-m", "lib", "demo"], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    url = done.stdout.strip().splitlines()[-1]
    yield url
    subprocess.run([sys.executable, "-m", "lib", "demo", "--stop"], cwd=REPO, capture_output=True, timeout=120)
