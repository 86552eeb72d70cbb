"""Every REST failure is the JSON envelope; the health routes answer."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy.exc import OperationalError

from resolvers.errors import DomainError
from server.app import create_app
from tests.conftest import TEST_KEY_HEADERS


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


class TestEveryStatusIsTheEnvelope:
    """Documented or not, every REST failure is `{"code", "detail"}` JSON: never HTML, never a
    stack trace. Statuses no route produces yet (502, an unexpected 500) come from test routes
    raising what the real ones will raise."""

    @pytest.fixture
    async def failing(self, settings: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(settings.model_copy(update={"rate_limit": "40/minute"}))
        router = APIRouter()

        @router.get("/api/test-only/{status}")
        async def fail(status: int) -> None:
            if status == 500:
                raise RuntimeError("boom: /secret/path/in/trace")
            if status == 5031:  # SQLite's write lock held past the busy timeout
                locked = sqlite3.OperationalError("database is locked")
                raise OperationalError("INSERT INTO events ...", {}, locked)
            raise DomainError(f"refused with {status}", code=f"TEST_{status}", status=status)

        app.include_router(router)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=transport, base_url="http://testserver", headers=TEST_KEY_HEADERS
            ) as http,
        ):
            yield http

    @staticmethod
    def _assert_envelope(response: httpx.Response, status: int) -> dict[str, Any]:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/json")
        body: dict[str, Any] = response.json()
        assert set(body) == {"code", "detail"} and body["code"]
        assert "Traceback" not in response.text and "<html" not in response.text.lower()
        return body

    async def test_a_busy_database_is_a_503_to_retry(self, failing: httpx.AsyncClient) -> None:
        response = await failing.get("/api/test-only/5031")
        body = self._assert_envelope(response, 503)
        assert body["code"] == "DATABASE_BUSY" and response.headers["retry-after"] == "1"
        assert "INSERT" not in response.text

    @pytest.mark.parametrize("status", [409, 502, 503, 500])
    async def test_domain_and_unexpected_errors(
        self, failing: httpx.AsyncClient, status: int
    ) -> None:
        body = self._assert_envelope(await failing.get(f"/api/test-only/{status}"), status)
        if status == 500:
            assert body == {"code": "INTERNAL_ERROR", "detail": "Internal server error"}

    async def test_statuses_from_real_requests(self, failing: httpx.AsyncClient) -> None:
        foreign = {"origin": "https://x.example"}
        plain = {"content-type": "text/plain"}
        cases = [
            (401, failing.get("/api/strategies", headers={"x-api-key": "wrong"})),
            (403, failing.post("/agents/seed/promote", json={}, headers=foreign)),
            (404, failing.get("/api/no-such-route")),
            (405, failing.put("/api/health")),
            (422, failing.get("/api/strategies", params={"limit": "many"})),
            (415, failing.post("/agents/seed/promote", content=b"x", headers=plain)),
        ]
        for status, request in cases:
            self._assert_envelope(await request, status)
        for _ in range(40):
            response = await failing.get("/api/health")
            if response.status_code == 429:
                break
        self._assert_envelope(response, 429)
