"""Suite-wide configuration: each test's tier follows from its folder.

Service fixtures (OpenBao, SeaweedFS, PostgreSQL, Kubernetes, JupyterHub, Keycloak,
Chromium) live in ``tests/harness`` and are registered as a plugin below. They start
lazily, once per session, on 127.0.0.1 with free ports, and stop in reverse order.
A fixture whose service cannot start fails the test with the reason; it never skips.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TIERS = ("unit", "integration", "browser", "e2e")

pytest_plugins = [
    "tests.harness.postgres",
    "tests.harness.openbao",
    "tests.harness.s3",
    "tests.harness.keycloak",
    "tests.harness.kubernetes",
    "tests.harness.node",
    "tests.harness.jupyterhub",
    "tests.harness.browser",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        for tier in TIERS:
            if tier in parts:
                item.add_marker(getattr(pytest.mark, tier))
                break
