"""The live feed's fast path: eager first steps, a client's bounded backlog behind a send that
waits, and a client that falls behind moving to its own subscription without losing an event."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from resolvers.lab.live import LiveFilter, emit_tick
from rest_compat import live_hub
from rest_compat.live import LiveSocket
from rest_compat.live_hub import BACKLOG, HubClient, start_eager
from storage.outbox import commit_and_publish

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class Gate:
    """A send that records frames; while closed, a send waits until it opens."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.open = asyncio.Event()
        self.open.set()
        self.fail: Exception | None = None

    async def send(self, text: str) -> None:
        if self.fail is not None:
            raise self.fail
        await self.open.wait()
        self.sent.append(text)


class TestStartEager:
    async def test_a_coroutine_that_never_waits_finishes_in_the_call(self) -> None:
        done: list[int] = []

        async def quick() -> None:
            done.append(1)

        assert start_eager(quick()) is None
        assert done == [1]

    async def test_one_that_waits_goes_on_in_a_task_with_the_outcome(self) -> None:
        steps: list[str] = []
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        async def slow() -> None:
            steps.append("before")
            steps.append(await future)
            await asyncio.sleep(0)
            steps.append("after")

        task = start_eager(slow())
        assert task is not None and steps == ["before"]
        future.set_result("value")
        await task
        assert steps == ["before", "value", "after"]

    async def test_an_exception_reaches_the_coroutine_and_its_task(self) -> None:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        async def failing() -> None:
            await future

        task = start_eager(failing())
        assert task is not None
        future.set_exception(ConnectionError("gone"))
        with pytest.raises(ConnectionError):
            await task


class TestHubClient:
    async def test_frames_go_out_at_once_and_in_order_behind_a_waiting_send(self) -> None:
        gate = Gate()
        client = HubClient(gate.send, LiveFilter(), position=0)
        client.offer(1, "a")
        assert gate.sent == ["a"] and client.position == 1  # sent in the call itself
        gate.open.clear()
        for event_id, text in [(2, "b"), (None, "ack"), (3, "c")]:
            client.offer(event_id, text)
        assert gate.sent == ["a"] and client.position == 1
        gate.open.set()
        await client.settle()
        assert gate.sent == ["a", "b", "ack", "c"] and client.position == 3
        assert not client.behind.is_set()

    async def test_an_overflowing_backlog_takes_the_client_off_the_fast_path(self) -> None:
        gate = Gate()
        client = HubClient(gate.send, LiveFilter(), position=0)
        gate.open.clear()
        for event_id in range(1, BACKLOG + 3):
            client.offer(event_id, str(event_id))
        assert client.behind.is_set()
        gate.open.set()
        await client.settle()
        # only the send in flight finished: the rest is read again from the table
        assert gate.sent == ["1"] and client.position == 1
        client.offer(999, "late")
        assert gate.sent == ["1"]

    async def test_a_failed_send_is_kept_and_ends_the_fast_path(self) -> None:
        gate = Gate()
        gate.fail = ConnectionError("client gone")
        client = HubClient(gate.send, LiveFilter(), position=5)
        client.offer(6, "x")
        assert client.behind.is_set() and isinstance(client.error, ConnectionError)
        assert client.position == 5


class FakeSocket:
    """What LiveSocket uses of a Starlette WebSocket, with a gate on sending."""

    def __init__(self) -> None:
        self.gate = Gate()
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def send_text(self, text: str) -> None:
        await self.gate.send(text)

    async def receive(self) -> dict[str, Any]:
        return await self.incoming.get()

    def events(self) -> list[dict[str, Any]]:
        frames = [orjson.loads(text) for text in self.gate.sent]
        return [f for f in frames if "id" in f]


async def _ticks(app: Any, count: int) -> None:
    services = app.state.services
    async with services.session_factory() as session:
        for price in range(count):
            await emit_tick(session, symbol="BTC-USD", ts=T0, price=price, bid=price, ask=price)
        await commit_and_publish(session, services.bus.publish)


async def _until(check: Any) -> None:
    for _ in range(1000):  # 10 s at most
        if check():
            return
        await asyncio.sleep(0.01)
    pytest.fail("the condition never held")


async def test_a_client_that_falls_behind_reads_on_from_the_table(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_hub, "BACKLOG", 5)
    services = app.state.services
    slow, quick = FakeSocket(), FakeSocket()
    runs = [
        asyncio.create_task(LiveSocket(ws, services, LiveFilter(), None).run())  # type: ignore[arg-type]
        for ws in (slow, quick)
    ]
    await _until(lambda: len(slow.gate.sent) == 1 and len(quick.gate.sent) == 1)  # the acks
    slow.gate.open.clear()  # stops reading: its socket takes nothing more
    await _ticks(app, 20)
    await _until(lambda: len(quick.events()) == 20)
    slow.gate.open.set()
    await _until(lambda: len(slow.events()) == 20)
    assert [e["data"]["price"] for e in slow.events()] == list(range(20))
    assert slow.events() == quick.events()
    assert [orjson.loads(t)["type"] for t in slow.gate.sent].count("subscribed") == 1
    await _ticks(app, 1)  # and it stays live, on its own subscription now
    await _until(lambda: len(slow.events()) == 21 and len(quick.events()) == 21)
    for ws in (slow, quick):
        ws.incoming.put_nowait({"type": "websocket.disconnect"})
    await asyncio.wait_for(asyncio.gather(*runs), timeout=10)
