"""A real PgBouncer in transaction mode in front of a test server, as Supabase's port 6543 is.

One server connection per database and user (default_pool_size = 1): every client of the bouncer gets
the same server connection, so whatever a client leaves on it (a SET, a session advisory lock) is seen
by the next client, as it would be by another application behind a production pooler.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from lib.core.pgserver import LocalServer, free_port

REQUIRE = "PGPULSE_REQUIRE_PGBOUNCER"
RUN_AS = "nobody"  # PgBouncer refuses to run as root


class Bouncer:
    def __init__(self, server: LocalServer):
        self.dir = Path(tempfile.mkdtemp(prefix="pgpulse-bouncer-"))
        self.dir.chmod(0o755)  # readable by RUN_AS too (a reload reads the files again)
        self.port = free_port()
        (self.dir / "users.txt").write_text('"postgres" ""\n')
        # Config and users are read before PgBouncer drops root; its log goes to our stderr file.
        (self.dir / "pgbouncer.ini").write_text(
            f"[databases]\n* = host=127.0.0.1 port={server.port}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.dir / 'users.txt'}\n"
            "pool_mode = transaction\ndefault_pool_size = 1\nmax_client_conn = 100\n"
            "server_reset_query =\nignore_startup_parameters = extra_float_digits\n")
        self.log = self.dir / "pgbouncer.log"
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen([pgbouncer_path(), "-u", RUN_AS, str(self.dir / "pgbouncer.ini")],
                                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()

    def url_for(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def _wait_ready(self, seconds: float = 20.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"PgBouncer exited ({self.process.returncode}): {self.log.read_text()[-2000:]}")
            try:
                with psycopg.connect(self.url_for("postgres"), autocommit=True, prepare_threshold=None,
                                     connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                    return
            except psycopg.OperationalError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"PgBouncer did not accept connections: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # PgBouncer's immediate shutdown
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def pgbouncer_path() -> str | None:
    return shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")  # root's PATH may lack it


def require_pgbouncer() -> None:
    """Skip without PgBouncer, unless CI asks for it (PGPULSE_REQUIRE_PGBOUNCER=1): then fail."""
    if pgbouncer_path() is not None:
        return
    if os.environ.get(REQUIRE) == "1":
        pytest.fail("PgBouncer is required but not installed (apt-get install pgbouncer)")
    pytest.skip("PgBouncer is not installed (apt-get install pgbouncer)")
