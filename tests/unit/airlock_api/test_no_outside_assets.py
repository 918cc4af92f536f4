"""The API serves no page that loads scripts from outside the platform."""

from __future__ import annotations

import httpx
import pytest

from orchestrator.api.app import build_app


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=build_app(None)), base_url="http://airlock.test"
    )


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
async def test_cdn_backed_documentation_pages_are_not_served(path: str) -> None:
    async with _client() as client:
        response = await client.get(path)
    assert response.status_code == 404
    assert "cdn" not in response.text.lower()


async def test_the_openapi_document_is_still_served() -> None:
    async with _client() as client:
        response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "TRE airlock"
