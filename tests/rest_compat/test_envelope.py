"""Every REST failure is the JSON envelope; the health routes answer."""

from __future__ import annotations

import httpx
import pytest


@pytest.mark.parametrize("path", ["/api/health", "/health"])
async def test_health(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_unknown_route_is_a_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"code": "NOT_FOUND", "detail": "Not Found"}


async def test_wrong_method_is_a_json_405(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/health")
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"


async def test_openapi_does_not_list_graphql(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/api/health" in paths and "/graphql" not in paths


async def test_405_names_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    # GET and PATCH and DELETE /api/agents/{id} are three generated handlers
    response = await client.put("/api/agents/researcher")
    assert response.status_code == 405
    assert {"GET", "PATCH", "DELETE"} <= set(response.headers["allow"].split(", "))
