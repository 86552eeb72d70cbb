"""End to end: the real server with both keys configured, a plain WebSocket client speaking
graphql-transport-ws the way a browser must (keys in `connection_init`, no headers)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from tests.e2e.server import running_server

pytestmark = pytest.mark.e2e

API, OPERATOR = "e2e-api-key", "e2e-operator-key"
KEYS = {"FORVEN_API_KEY": API, "FORVEN_OPERATOR_KEY": OPERATOR}
PROTOCOL = [Subprotocol("graphql-transport-ws")]
EVENTS = 'subscription { events(topics: ["hypothesis.*"], since: 0) { topic payload } }'
CREATE = 'mutation { createHypothesis(input: {title: "e2e ws"}) { id } }'
WAIT = 10  # seconds; a bound on a hang, never a synchronisation


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(tmp_path_factory.mktemp("ws"), "--no-demo", env=KEYS) as url:
        yield url


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://") + "/graphql"


async def send(ws: ClientConnection, message: dict[str, Any]) -> None:
    await ws.send(json.dumps(message))


async def receive(ws: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(WAIT):
        message: dict[str, Any] = json.loads(await ws.recv())
    return message


async def test_no_api_key_closes_4403_before_any_data(base: str) -> None:
    async with connect(ws_url(base), subprotocols=PROTOCOL) as ws:
        await send(ws, {"type": "connection_init", "payload": {"x-operator-key": OPERATOR}})
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4403, "Forbidden")


async def test_events_without_the_operator_key_is_an_error(base: str) -> None:
    async with connect(ws_url(base), subprotocols=PROTOCOL) as ws:
        await send(ws, {"type": "connection_init", "payload": {"x-api-key": API}})
        assert await receive(ws) == {"type": "connection_ack"}
        await send(ws, {"id": "1", "type": "subscribe", "payload": {"query": EVENTS}})
        message = await receive(ws)
    assert message["type"] == "error" and message["id"] == "1", message
    assert message["payload"][0]["extensions"] == {
        "code": "INVALID_OPERATOR_KEY",
        "http": {"status": 401},
    }


async def test_browser_keys_in_connection_init_reach_live_events(tmp_path: Path) -> None:
    """Its own server, so the events table starts empty: with `since: 0` the subscription sees
    the mutation whether or not it registered before the mutation committed."""
    with running_server(tmp_path, "--no-demo", env=KEYS) as url:
        async with connect(ws_url(url), subprotocols=PROTOCOL) as ws:
            payload = {"x-api-key": API, "x-operator-key": OPERATOR}
            await send(ws, {"type": "connection_init", "payload": payload})
            assert await receive(ws) == {"type": "connection_ack"}
            await send(ws, {"id": "1", "type": "subscribe", "payload": {"query": EVENTS}})
            async with httpx.AsyncClient(base_url=url) as http:
                created = await http.post(
                    "/graphql",
                    json={"query": CREATE},
                    headers={"x-api-key": API, "x-operator-key": OPERATOR},
                )
            assert created.status_code == 200, created.text
            message = await receive(ws)
            await send(ws, {"id": "1", "type": "complete"})
    assert message["type"] == "next", message
    event = message["payload"]["data"]["events"]
    assert event["topic"] == "hypothesis.created"
    assert event["payload"]["title"] == "e2e ws"
