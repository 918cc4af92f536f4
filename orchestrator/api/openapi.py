"""The committed OpenAPI document of the airlock API (``docs/reference/openapi.json``)."""

from __future__ import annotations

import json

from orchestrator.api.app import build_app


def render_openapi() -> str:
    """The OpenAPI document exactly as the running service serves it at ``/openapi.json``."""
    return json.dumps(build_app(None).openapi(), indent=2, sort_keys=True) + "\n"
