"""End to end: POST /api/shutdown (and SIGTERM) against the real `tradegraph serve` process.

An open graphql-transport-ws subscription must get close code 1001, a request that is still
arriving when the shutdown starts must complete with 200 and keep its write, and the process
must exit with 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sqlite3
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from tests.e2e.server import server_process

pytestmark = pytest.mark.e2e

STEP = 15.0  # bound on each awaited step: a broken shutdown fails the test, never hangs it
SUBSCRIBE = 'subscription { events(topics: ["hypothesis.*"]) { id topic } }'
CREATE = "mutation($t: String!) { createHypothesis(input: {title: $t}) { id title } }"
KEYS = {"x-api-key": "e2e-api-key", "x-operator-key": "e2e-operator-key"}
# keys configured, so that POST /api/shutdown (sent without them) shows its exemption
ENV = {"FORVEN_API_KEY": KEYS["x-api-key"], "FORVEN_OPERATOR_KEY": KEYS["x-operator-key"]}


async def live_subscription(base: str) -> ClientConnection:
    """A graphql-transport-ws connection with a subscription that has delivered an event."""
    ws = await connect(
        base.replace("http", "ws", 1) + "/graphql",
        subprotocols=[Subprotocol("graphql-transport-ws")],
        additional_headers=KEYS,
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": KEYS}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
    async with httpx.AsyncClient(base_url=base, headers=KEYS) as http:
        # the subscription may register after the first mutation: create until one arrives
        for attempt in range(20):
            variables = {"t": f"before shutdown {attempt}"}
            response = await http.post("/graphql", json={"query": CREATE, "variables": variables})
            assert response.status_code == 200, response.text
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    assert json.loads(await ws.recv())["type"] == "next"
                    return ws
    pytest.fail("the subscription never delivered an event")


async def close_code(ws: ClientConnection) -> int | None:
    """Read until the server closes the connection; the code it closed with."""
    async with asyncio.timeout(STEP):
        with contextlib.suppress(ConnectionClosed):
            while True:
                await ws.recv()
    return ws.close_code


class SlowRequest:
    """A POST /graphql over a raw socket whose body arrives in two halves."""

    def __init__(self, base: str, title: str) -> None:
        url = urlsplit(base)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        body = json.dumps({"query": CREATE, "variables": {"t": title}}).encode()
        self.head = (
            f"POST /graphql HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"x-api-key: {KEYS['x-api-key']}\r\nx-operator-key: {KEYS['x-operator-key']}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body[: len(body) // 2]
        self.rest = body[len(body) // 2 :]

    async def start(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(self.head)
        await self.writer.drain()

    async def finish(self) -> tuple[int, dict[str, Any]]:
        """Send the rest of the body; the status and JSON body of the response."""
        self.writer.write(self.rest)
        await self.writer.drain()
        async with asyncio.timeout(STEP):
            raw = await self.reader.read()  # the server closes after answering: it is leaving
        self.writer.close()
        head, _, body = raw.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        return status, json.loads(body)


async def listener_closed(host: str, port: int) -> None:
    """Until new connections are refused: uvicorn has begun its own shutdown."""
    async with asyncio.timeout(STEP):
        while True:
            try:
                _, writer = await asyncio.open_connection(host, port)
            except OSError:
                return
            writer.close()
            await asyncio.sleep(0.05)


def exit_code(process: subprocess.Popen[str]) -> int:
    try:
        return process.wait(timeout=STEP)
    except subprocess.TimeoutExpired:
        pytest.fail("the server did not exit")


def stored_events(data_dir: Path, topic: str) -> list[str]:
    with contextlib.closing(sqlite3.connect(data_dir / "tradegraph.db")) as db:
        rows = db.execute("SELECT payload FROM events WHERE topic = ?", (topic,)).fetchall()
    return [json.loads(payload)["title"] for (payload,) in rows]


async def test_shutdown_closes_websockets_drains_requests_and_exits_0(tmp_path: Path) -> None:
    with server_process(tmp_path, "--no-demo", env=ENV) as (base, process):
        ws = await live_subscription(base)
        slow = SlowRequest(base, "in flight during shutdown")
        await slow.start()
        await asyncio.sleep(0.3)  # the server has read the headers: the request is in flight

        async with httpx.AsyncClient(base_url=base) as http:  # no keys: the route is exempt
            response = await http.post("/api/shutdown")
        assert response.status_code == 202
        assert response.json() == {"status": "shutting_down"}

        assert await close_code(ws) == 1001  # not uvicorn's 1012: ours came first
        await listener_closed(slow.host, slow.port)
        status, body = await slow.finish()
        assert status == 200, body
        assert body["data"]["createHypothesis"]["title"] == "in flight during shutdown"
        assert exit_code(process) == 0

    # the in-flight write and its outbox event were committed before the engine went away
    assert "in flight during shutdown" in stored_events(tmp_path, "hypothesis.created")


async def test_sigterm_also_closes_websockets_with_1001(tmp_path: Path) -> None:
    with server_process(tmp_path, "--no-demo", env=ENV) as (base, process):
        ws = await live_subscription(base)
        process.send_signal(signal.SIGTERM)
        assert await close_code(ws) == 1001
        # uvicorn re-raises the signal once it has shut down, so the exit is by SIGTERM
        assert exit_code(process) == -signal.SIGTERM
