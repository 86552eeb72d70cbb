"""The guard before routing: Host, CORS, forgery, path tricks and the legacy rewrite."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient, WebSocketDenialResponse

from server.app import create_app
from server.settings import load_settings
from tests.conftest import TEST_KEY_HEADERS

EVIL = "https://evil.example"
DEV = "http://localhost:5173"


def _settings(tmp_path: Path, **overrides: Any) -> Any:
    base: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'g.db'}",
        "data_dir": tmp_path,
        "demo": False,
        "rate_limit": "",
    }
    return load_settings(**{**base, **overrides})


@pytest.fixture
async def open_app(tmp_path: Path) -> AsyncIterator[Any]:
    """The dev default: no keys, loopback-bound, so the Halyrd mutations carry no key."""
    app = create_app(_settings(tmp_path))
    async with app.router.lifespan_context(app):
        yield app


def error_code(body: dict[str, Any]) -> str:
    """/graphql refuses in the GraphQL error shape, every other path in the envelope."""
    return str(body["errors"][0]["extensions"]["code"] if "errors" in body else body["code"])


async def raw_get(app: Any, target: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """GET with the target exactly as a server receives it (httpx resolves dot segments)."""
    from urllib.parse import unquote

    path, _, query = target.partition(b"?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": unquote(path.decode()), "raw_path": path, "query_string": query,
        "root_path": "", "client": ("127.0.0.1", 1), "server": ("testserver", 80),
        "headers": [(b"host", b"testserver")]
        + [(k.encode(), v.encode()) for k, v in headers.items()],
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    import orjson

    return sent[0]["status"], orjson.loads(body)


def _client(app: Any, base: str = "http://testserver", **kw: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base, **kw)


class TestHostGuard:
    @pytest.mark.parametrize(
        "host", ["127.0.0.1", "127.0.0.1:8003", "localhost", "localhost:1", "[::1]:8003"]
    )
    async def test_default_hosts_are_served(self, client: httpx.AsyncClient, host: str) -> None:
        response = await client.get("/api/health", headers={"host": host})
        assert response.status_code == 200

    @pytest.mark.parametrize("host", ["evil.example", "evil.example:8003", "127.0.0.2", ""])
    async def test_other_hosts_are_refused_in_json(
        self, client: httpx.AsyncClient, host: str
    ) -> None:
        response = await client.get("/api/health", headers={"host": host})
        assert response.status_code == 400
        assert response.json()["code"] == "HOST_NOT_ALLOWED"

    async def test_the_allowed_set_is_configurable(self, tmp_path: Path) -> None:
        app = create_app(_settings(tmp_path, allowed_hosts=["tradegraph.lan"]))
        async with app.router.lifespan_context(app), _client(app) as http:
            assert (await http.get("/api/health")).status_code == 400  # testserver left out
            ok = await http.get("/api/health", headers={"host": "tradegraph.lan:8003"})
            assert ok.status_code == 200

    def test_websocket_from_a_foreign_host_is_refused(self, open_app: Any) -> None:
        client = TestClient(open_app)
        with (
            pytest.raises(WebSocketDenialResponse) as denied,
            client.websocket_connect("/graphql", headers={"host": "evil.example"}),
        ):
            pass
        assert denied.value.status_code == 400
        assert error_code(denied.value.json()) == "HOST_NOT_ALLOWED"


class TestCors:
    async def test_preflight_from_a_dev_origin(self, client: httpx.AsyncClient) -> None:
        response = await client.options(
            "/api/strategies",
            headers={"origin": DEV, "access-control-request-method": "POST"},
        )
        assert response.status_code == 204
        assert response.headers["access-control-allow-origin"] == DEV
        assert "x-operator-key" in response.headers["access-control-allow-headers"]

    async def test_preflight_from_another_origin_gets_no_allow_headers(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.options(
            "/api/strategies",
            headers={"origin": EVIL, "access-control-request-method": "POST"},
        )
        assert response.status_code == 403
        assert response.json()["code"] == "ORIGIN_NOT_ALLOWED"
        assert not [h for h in response.headers if h.startswith("access-control-")]

    async def test_reads_from_an_allowed_origin_carry_cors_headers(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/api/strategies", headers={"origin": DEV})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == DEV
        foreign = await client.get("/api/strategies", headers={"origin": EVIL})
        assert "access-control-allow-origin" not in foreign.headers

    async def test_configured_origins_replace_the_defaults(self, tmp_path: Path) -> None:
        app = create_app(_settings(tmp_path, cors_origins=["https://ui.lan"]))
        async with app.router.lifespan_context(app), _client(app) as http:
            for origin, status in (("https://ui.lan", 204), (DEV, 403)):
                response = await http.options(
                    "/agents", headers={"origin": origin, "access-control-request-method": "GET"}
                )
                assert response.status_code == status


class TestForgery:
    """No web page can drive the Halyrd mutations of a visitor's loopback server."""

    async def test_foreign_origin_cannot_promote(self, open_app: Any) -> None:
        async with _client(open_app) as http:
            response = await http.post(
                "/agents/seed/promote", json={"force": True}, headers={"origin": EVIL}
            )
        assert response.status_code == 403
        assert response.json()["code"] == "ORIGIN_NOT_ALLOWED"

    @pytest.mark.parametrize(
        "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
    )
    async def test_simple_request_bodies_are_refused(
        self, open_app: Any, content_type: str
    ) -> None:
        async with _client(open_app) as http:
            for path in ("/agents/seed/kill-switch", "/agents/seed/promote", "/graphql"):
                response = await http.post(
                    path, content=b'{"confirm": true}', headers={"content-type": content_type}
                )
                assert response.status_code == 415, path
                assert error_code(response.json()) == "UNSUPPORTED_MEDIA_TYPE"

    async def test_json_without_origin_reaches_the_route(self, open_app: Any) -> None:
        # a script (no Origin) is not a browser: the route itself answers (no agent `seed` yet)
        async with _client(open_app) as http:
            response = await http.post("/agents/seed/kill-switch", json={"confirm": True})
        assert (response.status_code, response.json()["code"]) == (404, "NOT_FOUND")

    async def test_same_origin_page_may_post(self, open_app: Any) -> None:
        # the GraphiQL page served by this server posts with its own origin
        async with _client(open_app, base="http://127.0.0.1:8003") as http:
            response = await http.post(
                "/graphql",
                json={"query": "{ health { status } }"},
                headers={"origin": "http://127.0.0.1:8003"},
            )
        assert response.status_code == 200

    def test_websocket_from_a_foreign_origin_is_refused(self, open_app: Any) -> None:
        client = TestClient(open_app)
        with (
            pytest.raises(WebSocketDenialResponse) as denied,
            client.websocket_connect(
                "/graphql", headers={"origin": EVIL}, subprotocols=["graphql-transport-ws"]
            ),
        ):
            pass
        assert denied.value.status_code == 403
        assert error_code(denied.value.json()) == "ORIGIN_NOT_ALLOWED"


def client_app(client: httpx.AsyncClient) -> Any:
    return client._transport.app  # type: ignore[attr-defined]


class TestPathTricks:
    TRICKS = [
        "//api/strategies",
        "/api//strategies",
        "/api/./strategies",
        "/api/health/../strategies",
        "/api/forven/../strategies",
        "/api/%2e%2e/api/strategies",
        "/api/health/%2e%2e/strategies",
        "/api/health%2f..%2fstrategies",
        "/api/forven/%2E%2E/strategies",
    ]

    @pytest.mark.parametrize("path", TRICKS)
    async def test_non_canonical_paths_are_refused(
        self, client: httpx.AsyncClient, path: str
    ) -> None:
        status, body = await raw_get(client_app(client), path.encode(), TEST_KEY_HEADERS)
        assert status == 400, path
        assert body["code"] == "NON_CANONICAL_PATH"

    @pytest.mark.parametrize(
        "path", ["/API/STRATEGIES", "/api/api/strategies", "/api/forven/forven/strategies"]
    )
    async def test_other_spellings_are_no_route_and_still_need_the_key(
        self, client: httpx.AsyncClient, path: str
    ) -> None:
        keyless = await client.get(path, headers={"x-api-key": "", "x-operator-key": ""})
        assert keyless.status_code == 401
        assert (await client.get(path)).status_code == 404

    async def test_trailing_slash_is_the_same_route_with_the_same_gate(
        self, client: httpx.AsyncClient
    ) -> None:
        assert (await client.get("/api/strategies/")).status_code == 200
        keyless = await client.get("/api/strategies/", headers={"x-api-key": ""})
        assert keyless.status_code == 401
        operatorless = await client.get("/api/strategies/", headers={"x-operator-key": ""})
        assert operatorless.json()["code"] == "INVALID_OPERATOR_KEY"

    async def test_exemptions_match_exact_paths_only(self, client: httpx.AsyncClient) -> None:
        for path in ("/api/health/status", "/api/healthz", "/api/forven/health/../strategies"):
            status, _ = await raw_get(client_app(client), path.encode(), {})
            assert status in (400, 401), path


class TestLegacy:
    async def test_legacy_path_answers_like_the_new_one_with_sunset_headers(
        self, client: httpx.AsyncClient
    ) -> None:
        new = await client.get("/api/strategies?limit=1")
        old = await client.get("/api/forven/strategies?limit=1")
        assert (old.status_code, old.json()) == (new.status_code, new.json())
        assert old.headers["sunset"] == "Tue, 30 Jun 2026 23:59:59 GMT"
        assert old.headers["deprecation"].startswith("@")
        assert old.headers["link"] == '</api/strategies>; rel="successor-version"'
        assert "sunset" not in new.headers

    async def test_legacy_errors_carry_the_headers_too(self, client: httpx.AsyncClient) -> None:
        old = await client.get("/api/forven/strategies", headers={"x-api-key": "wrong"})
        assert old.status_code == 401 and old.headers["sunset"]

    async def test_the_rewrite_can_be_switched_off(self, tmp_path: Path) -> None:
        app = create_app(_settings(tmp_path, legacy_rewrite=False))
        async with app.router.lifespan_context(app), _client(app) as http:
            response = await http.get("/api/forven/health")
        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"
        assert "sunset" not in response.headers


class TestKeysInLogs:
    async def test_keys_never_reach_the_logs(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        secret_api, secret_operator = "api-7f3e9c-secret", "op-51b2d8-secret"
        caplog.set_level(logging.DEBUG)
        settings = _settings(tmp_path, api_key=secret_api, operator_key=secret_operator)
        app = create_app(settings)
        async with app.router.lifespan_context(app), _client(app) as http:
            for headers in (
                {"x-api-key": secret_api, "x-operator-key": secret_operator},
                {"x-api-key": secret_api + "x"},
                {"authorization": f"Bearer {secret_api}", "x-operator-key": "wrong"},
            ):
                await http.get("/api/strategies", headers=headers)
                await http.post(
                    "/graphql", json={"query": "{ strategies { totalCount } }"}, headers=headers
                )
        text = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
        assert secret_api not in text and secret_operator not in text

    async def test_bearer_is_accepted(self, tmp_path: Path) -> None:
        app = create_app(_settings(tmp_path, api_key="k"))
        async with app.router.lifespan_context(app), _client(app) as http:
            assert (
                await http.get("/api/skills", headers={"authorization": "Bearer k"})
            ).status_code == 200
            assert (
                await http.get("/api/skills", headers={"authorization": "Basic k"})
            ).status_code == 401


async def test_default_client_headers_are_the_test_keys() -> None:
    assert set(TEST_KEY_HEADERS) == {"x-api-key", "x-operator-key"}


class TestBodyCap:
    async def test_a_declared_large_body_is_refused_unread(self, tmp_path: Path) -> None:
        app = create_app(_settings(tmp_path, max_body_bytes=2048))
        async with app.router.lifespan_context(app), _client(app) as http:
            big = b'{"title": "' + b"x" * 4096 + b'"}'
            response = await http.post(
                "/agents/seed/promote", content=big, headers={"content-type": "application/json"}
            )
            small = await http.post("/agents/seed/promote", json={"force": True})
        assert response.status_code == 413
        assert response.json()["code"] == "PAYLOAD_TOO_LARGE"
        assert (small.status_code, small.json()["code"]) == (404, "NOT_FOUND")  # the route ran

    async def test_a_chunked_large_body_is_refused(self, tmp_path: Path) -> None:
        app = create_app(_settings(tmp_path, max_body_bytes=2048))

        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"title": "'
            for _ in range(10):
                yield b"x" * 512
            yield b'"}'

        async with app.router.lifespan_context(app), _client(app) as http:
            response = await http.post(
                "/api/hypotheses/manual",
                content=chunks(),
                headers={"content-type": "application/json"},
            )
        assert response.status_code == 413
        assert response.json()["code"] == "PAYLOAD_TOO_LARGE"


async def test_one_warning_per_missing_key_at_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tradegraph")
    app = create_app(_settings(tmp_path))
    async with app.router.lifespan_context(app), _client(app) as http:
        for _ in range(3):
            await http.get("/api/health")
    warnings = [r.getMessage() for r in caplog.records if r.name == "tradegraph"]
    assert sum("FORVEN_API_KEY is not set" in m for m in warnings) == 1
    assert sum("FORVEN_OPERATOR_KEY is not set" in m for m in warnings) == 1
