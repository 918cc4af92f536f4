"""Keycloak (the OIDC identity provider production TREs use) in dev mode on 127.0.0.1.

The distribution is unpacked once into the shared cache by ``make tools``. Keycloak
writes into its own folder (``data/`` and, on its first start with given build options,
the re-built ``lib/quarkus/``), so each server runs from a *home* of its own: small
copies of ``bin``, ``conf``, ``themes``, ``providers`` and ``lib/quarkus``, with the
154 MB ``lib/lib`` linked read-only from the cache. The re-built ``lib/quarkus`` is saved
back to the cache once, so later starts skip the re-build (about 30 s on two cores).

A realm JSON file is imported at start (``--import-realm``): no admin API calls needed.
"""

from __future__ import annotations

import contextlib
import fcntl
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from orchestrator.embedded.paths import cache_dir, pinned_versions
from orchestrator.embedded.processes import ManagedProcess, ServiceStartError, free_port

JAVA_HOME = Path("/usr/lib/jvm/temurin-25-jdk-amd64")
INSTALL_HINT = (
    "Run `make tools` (it runs .ci/install-tools.sh and unpacks Keycloak into the cache)."
)
START_TIMEOUT = 600.0  # about 40 s on a quiet machine; minutes when the CPUs are shared
# Build-time options: a change here needs a re-build of lib/quarkus, so they name the saved build.
BUILD_OPTIONS = ("--db=dev-mem", "--health-enabled=true")


def distribution() -> Path:
    """The unpacked Keycloak distribution in the cache; fail saying how to install it."""
    version = pinned_versions()["KEYCLOAK_VERSION"]
    home = cache_dir() / f"keycloak-{version}"
    if not (home / "bin" / "kc.sh").is_file():
        raise FileNotFoundError(f"Keycloak {version} is not installed in {home}. {INSTALL_HINT}")
    if not (JAVA_HOME / "bin" / "java").is_file():
        raise FileNotFoundError(
            f"Keycloak needs the Temurin 25 JDK in {JAVA_HOME}. Run `make system`."
        )
    return home


def _saved_build(dist: Path) -> Path:
    return dist.parent / f"{dist.name}-build-{'-'.join(o.split('=')[1] for o in BUILD_OPTIONS)}"


@contextlib.contextmanager
def _cache_lock(dist: Path) -> Iterator[None]:
    with (dist.parent / f".{dist.name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def make_home(dist: Path, home: Path, realm_file: Path, realm: str) -> None:
    """Lay out a private Keycloak home in ``home`` that imports ``realm_file`` at start."""
    (home / "lib").mkdir(parents=True)
    for name in ("bin", "conf", "themes", "providers"):
        shutil.copytree(dist / name, home / name, symlinks=True)
    with _cache_lock(dist):
        saved = _saved_build(dist)
        shutil.copytree(
            saved if saved.is_dir() else dist / "lib" / "quarkus", home / "lib" / "quarkus"
        )
    shutil.copytree(dist / "lib" / "app", home / "lib" / "app")
    shutil.copy2(dist / "lib" / "quarkus-run.jar", home / "lib" / "quarkus-run.jar")
    (home / "lib" / "lib").symlink_to(dist / "lib" / "lib", target_is_directory=True)
    (home / "data" / "import").mkdir(parents=True)
    # The import insists that the file is named after the realm it holds.
    shutil.copy2(realm_file, home / "data" / "import" / f"{realm}-realm.json")


def save_build(dist: Path, home: Path) -> None:
    """Keep the re-built ``lib/quarkus`` of a started server for later starts (once)."""
    with _cache_lock(dist):
        saved = _saved_build(dist)
        if saved.is_dir():
            return
        staging = Path(tempfile.mkdtemp(prefix=f".{saved.name}-", dir=dist.parent))
        shutil.copytree(home / "lib" / "quarkus", staging / "quarkus")
        (staging / "quarkus").rename(saved)
        staging.rmdir()


@dataclass
class KeycloakServer:
    """A dev-mode Keycloak with one imported realm: ``.issuer``, ``.jwks_url``, ``.token()``."""

    run_dir: Path
    realm_file: Path
    realm: str = "tre"
    port: int = field(default_factory=free_port)
    management_port: int = field(default_factory=free_port)
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(16), repr=False)
    process: ManagedProcess | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.url}/realms/{self.realm}"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/certs"

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/token"

    def start(self) -> KeycloakServer:
        """Start Keycloak and wait until the realm's discovery document is served."""
        dist = distribution()
        home = self.run_dir / "home"
        make_home(dist, home, self.realm_file, self.realm)
        self.process = ManagedProcess(
            name="keycloak",
            argv=[
                str(home / "bin" / "kc.sh"),
                "start-dev",
                *BUILD_OPTIONS,
                "--import-realm",
                "--http-host=127.0.0.1",
                f"--http-port={self.port}",
                f"--http-management-port={self.management_port}",
                "--cache=local",
            ],
            log_path=self.run_dir / "keycloak.log",
            cwd=self.run_dir,
            env={
                "JAVA_HOME": str(JAVA_HOME),
                "KC_BOOTSTRAP_ADMIN_USERNAME": "admin",
                "KC_BOOTSTRAP_ADMIN_PASSWORD": self.admin_password,
                "JAVA_OPTS_APPEND": f"-Djava.io.tmpdir={self.run_dir}",
            },
        ).start()
        try:
            self.process.wait_ready(
                self._serves_realm, START_TIMEOUT, f"serving realm {self.realm}"
            )
        except ServiceStartError:
            self.stop()
            raise
        save_build(dist, home)
        return self

    def _serves_realm(self) -> bool:
        response = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2.0)
        return response.status_code == 200

    def token(
        self,
        username: str,
        password: str | None = None,
        client_id: str = "tre-cli",
        client_secret: str | None = None,
    ) -> str:
        """An access token for ``username`` by password grant (password defaults to ``password-<username>``)."""
        form = {
            "grant_type": "password",
            "client_id": client_id,
            "username": username,
            "password": password if password is not None else f"password-{username}",
            "scope": "openid",
        }
        if client_secret is not None:
            form["client_secret"] = client_secret
        response = httpx.post(self.token_url, data=form, timeout=30.0)
        if response.status_code != 200:
            raise PermissionError(
                f"Keycloak refused a token for {username!r} via {client_id!r}: "
                f"{response.status_code} {response.text[:300]}"
            )
        token: str = response.json()["access_token"]
        return token

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(grace=20.0)
