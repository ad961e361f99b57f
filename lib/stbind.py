"""The one module that binds the engine to Streamlit: connection objects, caching, current database.

Everything else in lib works without Streamlit (CLI, tests); pages call this module and lib.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st
from streamlit.connections import BaseConnection

from lib.core.config import (
    ConfigError,
    DatabaseConfig,
    Settings,
    database_from_section,
    load_settings,
    with_conninfo,
)
from lib.core.db import Database
from lib.core.errors import PgPulseError, Problem, describe

STATS_TTL_S = 30
SESSION_KEY = "pgpulse_database"
VIA_APP_KEY = "pgpulse_via_app"
RETURN_KEY = "pgpulse_return_to"
PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"
T = TypeVar("T")


class PgPulseConnection(BaseConnection[Database]):
    """`st.connection(name, type=PgPulseConnection)`: a pgpulse Database for `[connections.<name>]`.

    Also accepts `config=DatabaseConfig` (for DATABASE_URL, the libpq environment and the demo, which
    have no secrets section) and `thresholds=`.
    """

    def _connect(self, **kwargs: Any) -> Database:
        config = kwargs.get("config")
        if config is None:
            config = database_from_section(self._connection_name, self._secrets.to_dict())
        return Database(config, kwargs.get("thresholds"))

    @property
    def database(self) -> Database:
        return self._instance

    def reset(self) -> None:
        try:
            self._instance.close()
        except Exception:  # noqa: BLE001 - a dead pool needs no clean close
            pass
        super().reset()


def secrets() -> dict:
    try:
        return st.secrets.to_dict() if st.secrets.load_if_toml_exists() else {}
    except Exception:  # noqa: BLE001 - an unreadable secrets file is reported by load_settings' own reading
        return {}


@st.cache_resource(show_spinner=False, ttl=60)
def settings() -> Settings:
    return load_settings(secrets() or None)


def database_for(config: DatabaseConfig) -> Database:
    settings_now = settings()
    if config.embedded:
        from lib.demo import server as demo

        config = with_conninfo(config, demo.url())
    return st.connection(config.name, type=PgPulseConnection, config=config,
                         thresholds=settings_now.thresholds).database


# -- the database this session looks at ------------------------------------------------------------
def select_database(name: str) -> None:
    st.session_state[SESSION_KEY] = name


def current_config() -> DatabaseConfig:
    s = settings()
    name = st.session_state.get(SESSION_KEY) or s.databases[0].name
    try:
        return s.database(name)
    except ConfigError:
        return s.databases[0]


def current_db() -> Database:
    return database_for(current_config())


def entered_via_app() -> None:
    """app.py marks the session: its password gate and router have run."""
    st.session_state[VIA_APP_KEY] = True


def require_app_shell() -> None:
    """Send a page that runs without app.py back through it.

    Until app.py has called st.navigation once after the server starts, Streamlit still routes a
    deep link (/about) the old `pages/` folder way and runs the page file alone, which would skip
    the password gate. Such a run is sent to app.py, which routes it properly.
    """
    if not st.session_state.get(VIA_APP_KEY):
        # Remembered so app.py can send the visitor on to the page (and its ?queryid=...) they asked for.
        page = running_page()
        if page:
            st.session_state[RETURN_KEY] = (page, dict(st.query_params.to_dict()))
        st.switch_page("app.py")


def running_page() -> str | None:
    """The pages/ script being run ("pages/query.py"): the outermost pages/ file on the call stack
    (helpers such as pages/widgets/cards.py sit nearer)."""
    found = None
    frame = sys._getframe(1)
    while frame is not None:
        path = Path(frame.f_code.co_filename).resolve()
        if path.parent == PAGES_DIR:
            found = f"pages/{path.name}"
        frame = frame.f_back
    return found


def return_to_requested_page() -> None:
    """app.py, once its gate and navigation have run: go on to a deep link that was bounced here."""
    target = st.session_state.pop(RETURN_KEY, None)
    if target:
        page, params = target
        st.switch_page(page, query_params=params or None)


def reachable_db() -> Database | Problem:
    """The current database if it answers, else the Problem saying why: for a page whose other parts
    work without a database, which shows the problem where the database is needed and goes on."""
    require_app_shell()
    db = current_db()
    try:
        db.ping()  # cached figures must not hide a server that went away
    except Exception as exc:  # noqa: BLE001
        return describe(exc, db.config.display)
    return db


def require_db() -> Database:
    """The current database, connected; otherwise a banner saying what to do, and the page stops."""
    found = reachable_db()
    if isinstance(found, Problem):
        show_problem(found)
        st.stop()
    too_old = _version_warning(found)
    if too_old:
        st.warning(too_old, icon=":material/warning:")
    return found


def _version_warning(db: Database) -> str | None:
    try:
        return db.capabilities.version_problem()
    except Exception:  # noqa: BLE001 - detection failures are reported by the page's own queries
        return None


def require_pgss(db: Database) -> None:
    """Stop the page with a how-to when pg_stat_statements cannot be read."""
    problem = db.capabilities.pgss_problem()
    if problem:
        st.warning(problem, icon=":material/info:")
        st.stop()


# -- caching ---------------------------------------------------------------------------------------
def cached(ttl: int = STATS_TTL_S) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Cache `fn(db, *args)` per database for `ttl` seconds (statistics change slowly).

    Keyed by the function's file and name (pages all run as __main__, so a name alone collides)
    and by the database's name and a digest of its connection string (a name can be re-pointed).
    `fn.clear(db, *args)` forgets one entry (a page's refresh button).
    """

    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        fn_key = f"{fn.__code__.co_filename}:{fn.__qualname__}"

        def by_name(db_name: str, target: str, fn_key: str, *args: Any) -> T:
            return fn(database_by_name(db_name), *args)

        # Streamlit keeps one store per function name and source, and replaces it (emptying it) when
        # a call asks for another TTL: every function and TTL gets a store of its own.
        by_name.__qualname__ = f"cached[{fn_key}, ttl={ttl}]"
        by_name = st.cache_data(ttl=ttl, show_spinner=False)(by_name)

        @functools.wraps(fn)
        def call(db: Database, *args: Any) -> T:
            return by_name(db.config.name, _target(db), fn_key, *args)

        call.clear = lambda db, *args: by_name.clear(db.config.name, _target(db), fn_key, *args)
        return call

    return decorate


def _target(db: Database) -> str:
    return hashlib.sha256(db.config.conninfo.encode()).hexdigest()[:16]


def database_by_name(name: str) -> Database:
    return database_for(settings().database(name))


def clear_caches() -> None:
    """After an action: nothing cached may show the state from before it."""
    st.cache_data.clear()


# -- failures as sentences -------------------------------------------------------------------------
def show_problem(problem: Problem) -> None:
    st.error(f"**{problem.title}** — {problem.detail}\n\n{problem.hint}".strip(), icon=":material/error:")


def guarded(fn: Callable[[], T], where: str = "") -> T | None:
    """Run `fn`; on failure show the sentence instead of a traceback and return None."""
    try:
        return fn()
    except PgPulseError as exc:
        show_problem(exc.problem)
    except Exception as exc:  # noqa: BLE001
        show_problem(describe(exc, where))
    return None


def password_gate(password: str | None) -> None:
    """Optional whole-app password (`[pgpulse] password` or PGPULSE_PASSWORD)."""
    if not password or st.session_state.get("pgpulse_authenticated"):
        return
    st.title("pgpulse")
    given = st.text_input("Password", type="password")
    if given and hmac.compare_digest(given.encode(), password.encode()):
        st.session_state["pgpulse_authenticated"] = True
        st.rerun()
    if given:
        st.error("Wrong password.")
    st.stop()
