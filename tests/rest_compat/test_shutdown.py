"""POST /api/shutdown in process: loopback only, 202, once, and never fatal without an exit hook.

What happens to sockets and the process is in tests/server/test_shutdown.py and
tests/e2e/test_shutdown.py.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest

from rest_compat.shutdown import is_loopback

Connect = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def connect(app: Any) -> Connect:
    """A client whose requests come from `host`, sending no API key."""

    @asynccontextmanager
    async def from_host(host: str) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app, client=(host, 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c

    return from_host


@pytest.fixture
def exits(app: Any) -> list[str]:
    """Calls of the exit hook, as `tradegraph serve` would set it."""
    calls: list[str] = []
    app.state.shutdown.exit_hook = lambda: calls.append("exit")
    return calls


class TestRemoteClients:
    @pytest.mark.parametrize("host", ["10.0.0.5", "192.168.1.20", "::ffff:10.0.0.5", "2001:db8::1"])
    async def test_are_refused_with_403(
        self, app: Any, connect: Connect, exits: list[str], host: str
    ) -> None:
        async with connect(host) as client:
            response = await client.post("/api/shutdown")
        assert response.status_code == 403
        assert response.json()["code"] == "FORBIDDEN_REMOTE_SHUTDOWN"
        await app.state.shutdown.wait()
        assert exits == [] and not app.state.shutdown.closing


class TestLoopbackClients:
    @pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
    async def test_get_202_and_the_server_exits(
        self, app: Any, connect: Connect, exits: list[str], host: str
    ) -> None:
        assert app.state.settings.api_key, "the exemption is only shown with a key configured"
        async with connect(host) as client:
            response = await client.post("/api/shutdown")
        assert response.status_code == 202
        assert response.json() == {"status": "shutting_down"}
        await app.state.shutdown.wait()
        assert exits == ["exit"]
        assert app.state.shutdown.closing

    async def test_a_second_request_answers_202_and_does_nothing_twice(
        self, app: Any, connect: Connect, exits: list[str]
    ) -> None:
        async with connect("127.0.0.1") as client:
            first = await client.post("/api/shutdown")
            second = await client.post("/api/shutdown")
            await app.state.shutdown.wait()
            third = await client.post("/api/shutdown")
        assert [r.status_code for r in (first, second, third)] == [202, 202, 202]
        assert third.json() == {"status": "shutting_down"}
        await app.state.shutdown.wait()
        assert exits == ["exit"]

    async def test_without_an_exit_hook_nothing_is_ended(
        self, app: Any, connect: Connect, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING, logger="tradegraph.shutdown")
        assert app.state.shutdown.exit_hook is None
        async with connect("127.0.0.1") as client:
            assert (await client.post("/api/shutdown")).status_code == 202
            await app.state.shutdown.wait()
            # still serving: the test process, and the app in it, carry on
            assert (await client.get("/api/health")).status_code == 200
        assert "no server exit hook" in caplog.text


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("10.0.0.5", False),
        ("::ffff:10.0.0.5", False),
        ("0.0.0.0", False),
        ("localhost", False),  # a name is not an address; uvicorn always gives addresses
        ("testclient", False),
        ("", False),
        (None, False),
    ],
)
def test_is_loopback(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback
