"""Jinja2 templates shipped in the package, rendered with autoescaping always on."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

TEMPLATES = Environment(
    loader=PackageLoader("orchestrator.api.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def page(name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """Render ``templates/<name>`` with ``values`` into an HTML answer."""
    values.setdefault("session", None)
    return HTMLResponse(TEMPLATES.get_template(name).render(**values), status_code=status_code)
