"""EventBus on a real Redis: across processes, and through a killed or silent connection."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from redis import asyncio as aioredis

from storage.bus import EventBus
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade
from tests.conftest import REDIS_URL, requires_redis
from tests.storage.bus_helpers import ARRIVAL_TIMEOUT, Sessions, commit_events, take

pytestmark = requires_redis

ROOT = Path(__file__).resolve().parents[2]
PUBLISHER = Path(__file__).with_name("bus_publisher.py")


@pytest.fixture
def redis_url() -> str:
    assert REDIS_URL is not None
    return REDIS_URL


@pytest.fixture
def channel() -> str:
    """A channel of this test's own, so that parallel runs never see each other's events."""
    return f"tradegraph.test.{uuid.uuid4().hex}"


@pytest.fixture
async def other_sessions(tmp_path: Path) -> AsyncIterator[Sessions]:
    """A second, separate database: what another instance's bus would write to."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'other.db'}"
    await upgrade(url)
    engine = create_engine(url)
    yield create_session_factory(engine)
    await engine.dispose()


async def kill_bus_subscriptions(redis_url: str, channel: str) -> int:
    """CLIENT KILL the pubsub connections of this channel's buses only, not a parallel run's."""
    admin = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        clients = await admin.client_list(_type="pubsub")
        killed = 0
        for client in clients:
            if client["name"] == f"tradegraph-bus:{channel}":
                killed += await admin.client_kill_filter(_id=client["id"])
        return killed
    finally:
        await admin.aclose()


class FreezingProxy:
    """A TCP proxy whose open connections can be frozen: bytes vanish, sockets stay open."""

    def __init__(self, target: str) -> None:
        parsed = urlparse(target)
        self._target = (parsed.hostname or "127.0.0.1", parsed.port or 6379)
        self._url = parsed
        self._frozen: list[bool] = []
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None

    async def start(self) -> str:
        """Listen on a free port; the Redis URL that goes through the proxy."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return self._url._replace(netloc=f"127.0.0.1:{port}").geturl()

    def freeze(self) -> None:
        self._frozen[:] = [True] * len(self._frozen)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in self._writers:
            writer.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        self._writers += [writer, upstream_writer]
        index = len(self._frozen)
        self._frozen.append(False)
        await asyncio.gather(
            self._pipe(reader, upstream_writer, index),
            self._pipe(upstream_reader, writer, index),
            return_exceptions=True,
        )

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, index: int
    ) -> None:
        while data := await reader.read(65536):
            if not self._frozen[index]:
                writer.write(data)
                await writer.drain()
        writer.close()


async def test_an_event_from_another_process_arrives(
    session_factory: Sessions, redis_url: str, channel: str, tmp_path: Path
) -> None:
    bus = EventBus(redis_url, session_factory, channel=channel, tail_interval=60.0)
    await bus.start()
    try:
        async with bus.subscribe() as events:
            publisher = await asyncio.create_subprocess_exec(
                sys.executable,
                str(PUBLISHER),
                redis_url,
                f"sqlite+aiosqlite:///{tmp_path / 'publisher.db'}",
                channel,
                "remote.hello",
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            async with asyncio.timeout(ARRIVAL_TIMEOUT):
                out, err = await publisher.communicate()
            assert publisher.returncode == 0, err.decode()
            [message] = await take(events, 1)
    finally:
        await bus.stop()
    assert message.id == int(out)
    assert (message.topic, message.entity_id) == ("remote.hello", "remote")
    assert message.payload == {"pid": publisher.pid}


async def test_the_dispatcher_reconnects_after_its_connection_is_killed(
    session_factory: Sessions, redis_url: str, channel: str, caplog: pytest.LogCaptureFixture
) -> None:
    # No tail check in time: only a reconnected broker subscription can deliver.
    bus = EventBus(redis_url, session_factory, channel=channel, tail_interval=60.0)
    await bus.start()
    try:
        async with bus.subscribe() as events:
            sent = await commit_events(session_factory, bus.publish, 1)
            received = await take(events, 1)
            assert await kill_bus_subscriptions(redis_url, channel) >= 1
            stop = asyncio.Event()

            async def keep_publishing() -> None:
                while not stop.is_set():
                    sent.extend(await commit_events(session_factory, bus.publish, 1))
                    await asyncio.sleep(0.05)

            publisher = asyncio.create_task(keep_publishing())
            received += await take(events, 1)
            stop.set()
            await publisher
            received += await take(events, len(sent) - len(received))
    finally:
        await bus.stop()
    assert [message.id for message in received] == sent
    assert "lost its broker" in caplog.text


async def test_the_dispatcher_recovers_from_a_silent_connection(
    session_factory: Sessions, other_sessions: Sessions, redis_url: str, channel: str
) -> None:
    proxy = FreezingProxy(redis_url)
    listener = EventBus(await proxy.start(), session_factory, channel=channel, tail_interval=0.1)
    # Another instance with its own table: neither the tail check nor a backfill can help.
    speaker = EventBus(redis_url, other_sessions, channel=channel, tail_interval=60.0)
    await listener.start()
    await speaker.start()
    try:
        async with listener.subscribe() as events:
            first = await commit_events(other_sessions, speaker.publish, 1)
            assert [message.id for message in await take(events, 1)] == first
            proxy.freeze()
            stop = asyncio.Event()

            async def keep_publishing() -> None:
                while not stop.is_set():
                    await commit_events(other_sessions, speaker.publish, 1)
                    await asyncio.sleep(0.1)

            publisher = asyncio.create_task(keep_publishing())
            [after] = await take(events, 1)
            stop.set()
            await publisher
    finally:
        await listener.stop()
        await speaker.stop()
        await proxy.close()
    assert after.id > first[0]
