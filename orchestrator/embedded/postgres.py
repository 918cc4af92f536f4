"""PostgreSQL from Debian's packages in a data directory of its own, on 127.0.0.1.

PostgreSQL refuses to run as root, so when we are root the cluster is initialised and
run as the unprivileged ``postgres`` system user, and its data directory lives in a
folder that user can reach (not under a root-only temporary directory). Password
authentication (scram) is required even on 127.0.0.1; the superuser password is random.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from orchestrator.embedded.paths import require_binary
from orchestrator.embedded.processes import ManagedProcess, ServiceStartError, free_port

PG_VERSION = "15"
PG_BIN = Path(f"/usr/lib/postgresql/{PG_VERSION}/bin")
INSTALL_HINT = (
    f"Install Debian's postgresql-{PG_VERSION} package: run `make system` "
    "(it runs .ci/install-system.sh)."
)
START_TIMEOUT = 60.0
SERVICE_USER = "postgres"


def run_as_user() -> str | None:
    """The user to run PostgreSQL as: ``postgres`` when we are root, else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError as exc:
        raise ServiceStartError(
            f"PostgreSQL cannot run as root and there is no {SERVICE_USER!r} user. {INSTALL_HINT}"
        ) from exc
    return SERVICE_USER


@dataclass
class PostgresServer:
    """A throw-away PostgreSQL cluster: ``.url`` and ``.create_database(name)``.

    ``log_dir`` receives the server log; the data directory is created by
    :meth:`start` (in the system temporary folder, readable by the service user only)
    and removed by :meth:`stop`, unless ``data_dir`` is given, in which case it is kept.
    """

    log_dir: Path
    data_dir: Path | None = None
    port: int = field(default_factory=free_port)
    password: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    process: ManagedProcess | None = field(default=None, init=False)
    _owns_data_dir: bool = field(default=False, init=False)

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the ``postgres`` database as the superuser."""
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        return f"postgresql+psycopg://postgres:{self.password}@127.0.0.1:{self.port}/{database}"

    def _conninfo(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres password={self.password} dbname={database}"

    def _prepare(self, user: str | None) -> Path:
        initdb = require_binary("initdb", INSTALL_HINT, search=[PG_BIN])
        if self.data_dir is None:
            self.data_dir = Path(tempfile.mkdtemp(prefix="tre-postgres-"))
            self._owns_data_dir = True
        data = self.data_dir / "pgdata"
        if (data / "PG_VERSION").exists():
            return data
        password_file = self.data_dir / "pwfile"
        password_file.write_text(self.password + "\n")
        if user is not None:
            entry = pwd.getpwnam(user)
            for path in (self.data_dir, password_file):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self.data_dir.chmod(0o700)
        try:
            result = subprocess.run(
                [
                    str(initdb),
                    f"--pgdata={data}",
                    "--username=postgres",
                    f"--pwfile={password_file}",
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ],
                capture_output=True,
                text=True,
                user=user,
                check=False,
                timeout=120,
            )
        finally:
            password_file.unlink(missing_ok=True)
        if result.returncode != 0:
            raise ServiceStartError(
                f"initdb failed for PostgreSQL in {data} (status {result.returncode}):\n"
                f"{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )
        return data

    def start(self) -> PostgresServer:
        """Initialise the cluster if needed, start it and wait until it accepts logins."""
        user = run_as_user()
        data = self._prepare(user)
        postgres = require_binary("postgres", INSTALL_HINT, search=[PG_BIN])
        self.process = ManagedProcess(
            name="postgresql",
            argv=[
                str(postgres),
                "-D",
                str(data),
                "-p",
                str(self.port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                f"unix_socket_directories={self.data_dir}",
                "-c",
                "fsync=off",
                "-c",
                "full_page_writes=off",
            ],
            log_path=self.log_dir / "postgresql.log",
            user=user,
            stop_signal=signal.SIGINT,  # "fast" shutdown: SIGTERM would wait for clients
            cwd=self.data_dir,
        ).start()
        try:
            self.process.wait_ready(self._accepts_logins, START_TIMEOUT, "accepting connections")
        except ServiceStartError:
            self.stop()
            raise
        return self

    def _accepts_logins(self) -> bool:
        with psycopg.connect(self._conninfo(), connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True

    def create_database(self, name: str) -> str:
        """Create database ``name`` (letters, digits, underscores) and return its URL."""
        if not name.replace("_", "").isalnum() or not name[0].isalpha():
            raise ValueError(
                f"database name {name!r} must start with a letter and hold only letters, digits and _"
            )
        with psycopg.connect(self._conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete a data directory it created."""
        if self.process is not None:
            self.process.stop()
        if self._owns_data_dir and self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self.data_dir = None
            self._owns_data_dir = False
