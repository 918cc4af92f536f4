"""Where the Kubernetes API is and who we are to it: a kubeconfig file, or the pod's own token.

One :class:`KubernetesConnection` feeds both the ``kubernetes`` client the adapters use
and kopf's login (:meth:`KubernetesConnection.login_fields`), so the controller speaks to
one API server with one identity. In a pod the ServiceAccount token is re-read on every
login, because projected tokens rotate.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes

IN_CLUSTER_TOKEN = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")


class KubernetesConnectionError(RuntimeError):
    """No usable kubeconfig or in-cluster credentials; the message says what was tried."""


@dataclass(frozen=True)
class KubernetesConnection:
    """A kubeconfig path (``None``: in-cluster, then ``$KUBECONFIG``/``~/.kube/config``)."""

    kubeconfig: Path | None = None

    def configuration(self) -> Any:
        """A fresh ``kubernetes.client.Configuration`` for this connection."""
        config = kubernetes.client.Configuration()
        try:
            if self.kubeconfig is not None:
                kubernetes.config.load_kube_config(
                    config_file=str(self.kubeconfig), client_configuration=config
                )
            elif "KUBERNETES_SERVICE_HOST" in os.environ:
                kubernetes.config.load_incluster_config(client_configuration=config)
            else:
                kubernetes.config.load_kube_config(client_configuration=config)
        except (kubernetes.config.ConfigException, OSError) as exc:
            where = self.kubeconfig or "the pod's ServiceAccount or $KUBECONFIG"
            raise KubernetesConnectionError(
                f"cannot connect to Kubernetes with {where}: {exc}; pass --kubeconfig or run "
                "the controller in a pod with a ServiceAccount"
            ) from exc
        return config

    def api_client(self) -> Any:
        """A ``kubernetes.client.ApiClient`` for this connection."""
        return kubernetes.client.ApiClient(self.configuration())

    def login_fields(self) -> dict[str, Any]:
        """Server, CA, client certificate and bearer token, as kopf's ``ConnectionInfo`` fields."""
        config = self.configuration()
        header = config.get_api_key_with_prefix("BearerToken") or config.get_api_key_with_prefix(
            "authorization"
        )
        scheme, _, token = (header or "").rpartition(" ")
        return {
            "server": config.host,
            "ca_path": config.ssl_ca_cert,
            "insecure": not config.verify_ssl,
            "scheme": scheme or ("Bearer" if token else None),
            "token": token or None,
            "certificate_path": config.cert_file,
            "private_key_path": config.key_file,
        }
