"""The Secret that hands a user server its personal storage key.

The operator writes it when it sees the server's pod, in the project's namespace, owned
by that pod (so it goes when the pod goes). The pod mounts it read-only at
:data:`STORAGE_KEY_DIR` (see ``hub_config``): ``credentials`` is an AWS shared
credentials file, which the usual S3 clients find through ``AWS_SHARED_CREDENTIALS_FILE``;
the other keys hold the same values one per file, and when the store refuses the key.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from orchestrator.domain.projects import naming

STORAGE_KEY_DIR = "/var/run/secrets/tre/storage"
"""Where user servers find their storage key."""
STORAGE_VOLUME = "storage-key"
"""The name of the volume holding the key in the server's pod."""
SESSION_COMPONENT = "storage-session"


@dataclass(frozen=True)
class ServerPod:
    """The user server a key is for: its pod, and the member it belongs to."""

    project: str
    name: str
    uid: str
    member: str

    @property
    def user_server(self) -> str:
        return self.name.removeprefix(naming.SERVER_POD_PREFIX)

    @property
    def session(self) -> str:
        """How the store names this server's keys: ``<pod name>/<pod uid>``."""
        return f"{self.name}/{self.uid}"

    @property
    def secret_name(self) -> str:
        return naming.session_secret_name(self.user_server)


@dataclass(frozen=True)
class IssuedKey:
    """A personal storage key, as the server receives it."""

    access_key: str
    expires_at: datetime
    secret_key: str = field(repr=False)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def make_storage_session_secret(pod: ServerPod, key: IssuedKey) -> dict[str, Any]:
    """The Secret of ``pod``'s storage key, owned by the pod."""
    credentials = (
        "[default]\n"
        f"aws_access_key_id = {key.access_key}\n"
        f"aws_secret_access_key = {key.secret_key}\n"
    )
    labels = naming.component_labels(pod.project, SESSION_COMPONENT)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": pod.secret_name,
            "namespace": naming.namespace_name(pod.project),
            "labels": labels,
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "Pod", "name": pod.name, "uid": pod.uid}
            ],
        },
        "type": "Opaque",
        "data": {
            "credentials": _b64(credentials),
            "access_key": _b64(key.access_key),
            "secret_key": _b64(key.secret_key),
            "expires_at": _b64(key.expires_at.isoformat()),
        },
    }
