"""A local JupyterHub with configurable-http-proxy, for the embedded enclave and the tests.

The hub runs from this package's environment (JupyterHub and KubeSpawner); the proxy is
configurable-http-proxy from npm, and single-user servers use their own environment
(JupyterLab's imports would slow every hub start). ``make tools``
(``.ci/install-tools.sh``) installs both into the cache.

The caller's configuration is loaded first; the hub's own settings (addresses, ports,
database, proxy, and an admin service whose token the caller gets) are applied after it
and win, so a configuration written for a cluster runs unchanged on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from orchestrator.embedded.paths import cache_dir, pinned_versions
from orchestrator.embedded.processes import ManagedProcess, free_port

log = logging.getLogger(__name__)

TOOLS_HINT = "Run `make tools` to install configurable-http-proxy and the single-user environment."
HARNESS_SERVICE = "tre-harness"


@dataclass(frozen=True)
class HubTools:
    """The executables a local hub needs."""

    jupyterhub: Path
    proxy: Path
    singleuser_env: Path

    @property
    def singleuser_bin(self) -> Path:
        return self.singleuser_env / "bin"


def find_hub_tools() -> HubTools:
    """Locate jupyterhub, configurable-http-proxy and the single-user environment."""
    versions = pinned_versions()
    hub = Path(sys.executable).parent / "jupyterhub"
    if not hub.is_file():
        raise FileNotFoundError(
            f"jupyterhub is not installed next to {sys.executable}. Run `make venv`."
        )
    proxy = (
        cache_dir()
        / f"configurable-http-proxy-{versions['CHP_VERSION']}"
        / "node_modules/.bin/configurable-http-proxy"
    )
    if not proxy.is_file():
        raise FileNotFoundError(f"configurable-http-proxy is missing ({proxy}). {TOOLS_HINT}")
    pointer = cache_dir() / "singleuser-env-path"
    env = (
        Path(pointer.read_text().strip())
        if pointer.is_file()
        else cache_dir() / f"singleuser-jupyterhub-{versions['JUPYTERHUB_VERSION']}"
    )
    if not (env / "bin" / "jupyterhub-singleuser").is_file():
        raise FileNotFoundError(f"the single-user environment is missing ({env}). {TOOLS_HINT}")
    return HubTools(jupyterhub=hub, proxy=proxy, singleuser_env=env)


@dataclass(frozen=True)
class HubLayout:
    """Where a hub listens and keeps its state."""

    workdir: Path
    port: int
    hub_port: int
    proxy_api_port: int
    proxy_command: Path
    api_token: str


def make_hub_settings(layout: HubLayout) -> str:
    """The settings the hub needs on this machine, as ``jupyterhub_config.py`` text.

    They follow the caller's configuration: the admin service is added to whatever
    services and roles it declared.
    """
    return f'''
# --- local hub settings (applied after the configuration above) ---
c.JupyterHub.bind_url = "http://127.0.0.1:{layout.port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{layout.hub_port}"
c.JupyterHub.hub_connect_url = "http://127.0.0.1:{layout.hub_port}"
c.ConfigurableHTTPProxy.should_start = True
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{layout.proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{str(layout.proxy_command)!r}]
c.JupyterHub.db_url = {"sqlite:///" + str(layout.workdir / "jupyterhub.sqlite")!r}
c.JupyterHub.cookie_secret_file = {str(layout.workdir / "jupyterhub_cookie_secret")!r}
c.JupyterHub.cleanup_servers = True

_services = [s for s in (c.JupyterHub.services if "services" in c.JupyterHub else [])]
_services.append({{"name": "{HARNESS_SERVICE}", "api_token": "{layout.api_token}"}})
c.JupyterHub.services = _services
_roles = [dict(r) for r in (c.JupyterHub.load_roles if "load_roles" in c.JupyterHub else [])]
_admin = next((r for r in _roles if r.get("name") == "admin"), None)
if _admin is None:
    _roles.append({{"name": "admin", "services": ["{HARNESS_SERVICE}"]}})
else:
    _admin["services"] = [*_admin.get("services", []), "{HARNESS_SERVICE}"]
c.JupyterHub.load_roles = _roles
'''


DEFAULT_CONFIG = """
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
"""


@dataclass
class Hub:
    """A running hub. ``url`` is the public proxy URL; ``api_token`` has the admin role."""

    url: str
    api_url: str
    api_token: str
    workdir: Path
    process: ManagedProcess
    started_seconds: float = 0.0
    config_file: Path = field(default_factory=Path)

    def api(self, timeout: float = 30.0) -> httpx.Client:
        """An HTTP client for the hub's REST API, authenticated as the admin service."""
        return httpx.Client(
            base_url=self.api_url.rstrip("/") + "/",
            headers={"Authorization": f"token {self.api_token}"},
            timeout=timeout,
        )

    def stop(self) -> None:
        """Stop the hub (it stops its proxy); then make sure the proxy is gone too."""
        self.process.stop(grace=15.0)
        pid_file = self.workdir / "jupyterhub-proxy.pid"
        with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)


def start_jupyterhub(
    workdir: Path,
    config: str = DEFAULT_CONFIG,
    env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
) -> Hub:
    """Start a hub with ``config`` (``jupyterhub_config.py`` text) and wait until the proxy
    routes its API."""
    tools = find_hub_tools()
    workdir.mkdir(parents=True, exist_ok=True)
    layout = HubLayout(
        workdir=workdir,
        port=free_port(),
        hub_port=free_port(),
        proxy_api_port=free_port(),
        proxy_command=tools.proxy,
        api_token=secrets.token_hex(32),
    )
    config_file = workdir / "jupyterhub_config.py"
    config_file.write_text(config + "\n" + make_hub_settings(layout))
    config_file.chmod(0o600)
    url = f"http://127.0.0.1:{layout.port}"
    begun = time.monotonic()
    process = ManagedProcess(
        "jupyterhub",
        [str(tools.jupyterhub), "--config", str(config_file)],
        workdir / "jupyterhub.log",
        env=dict(env or {}),
        cwd=workdir,
        die_with_parent=True,
    )
    hub = Hub(
        url=url,
        api_url=f"{url}/hub/api",
        api_token=layout.api_token,
        workdir=workdir,
        process=process,
        config_file=config_file,
    )
    process.start()

    def ready() -> bool:
        with hub.api(timeout=2.0) as client:
            return client.get("").status_code == 200

    try:
        process.wait_ready(ready, timeout, "serving its API through the proxy")
    except BaseException:
        hub.stop()
        raise
    hub.started_seconds = time.monotonic() - begun
    log.info("jupyterhub ready in %.1f s at %s", hub.started_seconds, url)
    return hub
