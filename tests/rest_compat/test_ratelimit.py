"""The per-client rate limiter (rest_compat/ratelimit.py): 429 in the envelope, fail-open."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, WebSocket
from starlette.types import Message

from rest_compat.ratelimit import is_installed, load_slowapi
from server.ratelimit import install_limiter
from server.settings import SettingsError, load_settings

OTHER_CLIENT = ("10.0.0.9", 1)
ALLOWED_ORIGIN = "http://127.0.0.1:5173"


@pytest.fixture(autouse=True)
def fresh_loader() -> Iterator[None]:
    """Each test starts as a new process would: SlowAPI not yet probed, no warning given."""
    load_slowapi.cache_clear()
    yield
    load_slowapi.cache_clear()


def limited_app(rate_limit: str) -> FastAPI:
    """A bare app with one route, one WebSocket and nothing but the limiter in front."""
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, bool]:
        return {"ok": True}

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    install_limiter(app, load_settings(rate_limit=rate_limit))
    return app


def http(app: FastAPI, client: tuple[str, int] = ("127.0.0.1", 123)) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=client)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def statuses(client: httpx.AsyncClient, path: str, count: int) -> list[int]:
    return [(await client.get(path)).status_code for _ in range(count)]


async def websocket_handshake(app: FastAPI) -> list[str]:
    """The message types the app sends for one WebSocket connection from 127.0.0.1."""
    scope = {
        "type": "websocket", "asgi": {"version": "3.0"}, "scheme": "ws", "path": "/ws",
        "raw_path": b"/ws", "query_string": b"", "root_path": "", "subprotocols": [],
        "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 123),
        "server": ("testserver", 80),
    }  # fmt: skip
    sent: list[str] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        sent.append(message["type"])

    await app(scope, receive, send)
    return sent


class TestLimit:
    async def test_the_fourth_request_gets_429_in_the_envelope_with_retry_after(self) -> None:
        async with http(limited_app("3/minute")) as client:
            assert await statuses(client, "/ping", 3) == [200, 200, 200]
            response = await client.get("/ping")
        assert response.status_code == 429
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        assert body["code"] == "RATE_LIMITED"
        assert "3 per 1 minute" in body["detail"]
        assert 1 <= int(response.headers["retry-after"]) <= 60

    async def test_another_client_address_is_still_served(self) -> None:
        app = limited_app("3/minute")
        async with http(app) as first, http(app, OTHER_CLIENT) as other:
            assert await statuses(first, "/ping", 4) == [200, 200, 200, 429]
            assert await statuses(other, "/ping", 3) == [200, 200, 200]
            assert (await first.get("/ping")).status_code == 429

    async def test_every_path_draws_on_one_budget_before_routing(self) -> None:
        async with http(limited_app("3/minute")) as client:
            assert await statuses(client, "/no-such-route", 2) == [404, 404]
            assert await statuses(client, "/ping", 2) == [200, 429]
            assert (await client.get("/no-such-route")).status_code == 429

    async def test_websocket_handshakes_are_not_counted(self) -> None:
        app = limited_app("1/minute")
        async with http(app) as client:
            assert await statuses(client, "/ping", 2) == [200, 429]
        for _ in range(3):
            assert await websocket_handshake(app) == [
                "websocket.accept",
                "websocket.send",
                "websocket.close",
            ]

    async def test_installing_twice_counts_each_request_once(self) -> None:
        app = limited_app("3/minute")
        install_limiter(app, load_settings(rate_limit="3/minute"))
        async with http(app) as client:
            assert await statuses(client, "/ping", 4) == [200, 200, 200, 429]


class TestSettings:
    async def test_an_empty_limit_switches_the_limiter_off(self) -> None:
        app = limited_app("")
        assert not is_installed(app)
        async with http(app) as client:
            assert set(await statuses(client, "/ping", 20)) == {200}

    @pytest.mark.parametrize("value", ["lots", "0/second", "3/fortnight", "3/minute;"])
    def test_an_invalid_limit_stops_start_up_naming_the_variable(self, value: str) -> None:
        with pytest.raises(SettingsError, match="^invalid TRADEGRAPH_RATE_LIMIT"):
            limited_app(value)


class TestFailOpen:
    @pytest.mark.parametrize("module", ["slowapi", "limits"])
    async def test_without_slowapi_nothing_is_limited_and_one_warning_is_logged(
        self, module: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        monkeypatch.setitem(sys.modules, module, None)  # `import` now raises ImportError
        caplog.set_level(logging.WARNING, logger="tradegraph.ratelimit")
        apps = [limited_app("3/minute"), limited_app("3/minute")]
        for app in apps:
            assert not is_installed(app)
            async with http(app) as client:
                assert set(await statuses(client, "/ping", 10)) == {200}
        warnings = [r for r in caplog.records if r.name == "tradegraph.ratelimit"]
        assert len(warnings) == 1
        assert warnings[0].levelno == logging.WARNING
        assert "TRADEGRAPH_RATE_LIMIT is ignored" in warnings[0].getMessage()


class TestCreateApp:
    @pytest.fixture
    async def app(self, tmp_path: Path, database_url: str) -> AsyncIterator[FastAPI]:
        from server.app import create_app

        settings = load_settings(
            database_url=database_url, data_dir=tmp_path, demo=False, rate_limit="3/minute"
        )
        application = create_app(settings)
        assert is_installed(application)
        async with application.router.lifespan_context(application):
            yield application

    async def test_the_guard_wraps_the_limiter_so_a_429_carries_cors_headers(
        self, app: FastAPI
    ) -> None:
        headers = {"origin": ALLOWED_ORIGIN}
        async with http(app) as client:
            for _ in range(3):
                assert (await client.get("/api/health", headers=headers)).status_code == 200
            limited = await client.post("/graphql", json={"query": "{ health { status } }"})
            response = await client.get("/api/health", headers=headers)
        assert limited.status_code == 429
        assert response.status_code == 429
        assert response.json()["code"] == "RATE_LIMITED"
        assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
        assert "retry-after" in response.headers


class TestNoExpiryThread:
    """limits' memory storage would start a Timer thread after every idle gap (0.5-2 ms on the
    next request); fixed windows expire on read, and the middleware sweeps instead."""

    async def test_hits_after_a_pause_start_no_thread(self) -> None:
        import threading

        app = limited_app("600/second")
        storage = app.state.limiter._storage
        async with http(app) as client:
            for _ in range(3):
                await asyncio.sleep(0.03)  # longer than the storage's 10 ms timer
                assert (await client.get("/ping")).status_code == 200
        assert not storage.timer.is_alive()
        assert not [t for t in threading.enumerate() if isinstance(t, threading.Timer)]

    async def test_expired_windows_are_still_reset_and_swept(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import rest_compat.ratelimit as ratelimit

        monkeypatch.setattr(ratelimit, "SWEEP_EVERY", 3)
        app = limited_app("2/second")
        storage = app.state.limiter._storage
        async with http(app) as client, http(app, ("10.0.0.7", 1)) as other:
            assert await statuses(client, "/ping", 3) == [200, 200, 429]
            await asyncio.sleep(1.1)
            assert await statuses(client, "/ping", 1) == [200]  # a new window: lazily reset
            assert len(storage.expirations) == 1
            await asyncio.sleep(1.1)
            await statuses(other, "/ping", 2)  # the 3rd and 6th request sweep
        assert list(storage.expirations) and all("127.0.0.1" not in k for k in storage.expirations)
