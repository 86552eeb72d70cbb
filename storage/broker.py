"""The broker side of the bus: the wire format and a Redis backend for broadcaster.

broadcaster 0.3.1's own Redis backend starts listening before redis-py records the channel,
finds nothing subscribed and never listens again, and lets its listener die unseen when the
connection drops (encode/broadcaster#144); this backend does neither.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any
from urllib.parse import urlparse

import orjson
from broadcaster import Broadcast, BroadcastBackend
from broadcaster import Event as BrokerEvent
from redis import asyncio as aioredis

from storage.outbox import EventMessage

BROKER_TIMEOUT = 5.0  # connect, subscribe, publish: a broker slower than this counts as down
LOST = ""  # what RedisBackend delivers when its connection drops; never valid JSON


def encode(messages: Sequence[EventMessage]) -> bytes:
    """One broker message: a JSON array of events (an empty one is a liveness probe)."""
    return orjson.dumps(
        [
            {
                "id": m.id,
                "topic": m.topic,
                "entity_id": m.entity_id,
                "payload": m.payload,
                "ts": m.ts.isoformat(),
            }
            for m in messages
        ]
    )


def decode(raw: str | bytes) -> list[EventMessage]:
    """The events in one broker message, in id order."""
    items: list[dict[str, Any]] = orjson.loads(raw)
    messages = [
        EventMessage(
            int(d["id"]),
            d["topic"],
            d["entity_id"],
            dict(d["payload"]),
            datetime.fromisoformat(d["ts"]),
        )
        for d in items
    ]
    return sorted(messages, key=attrgetter("id"))


class RedisBackend(BroadcastBackend):
    """broadcaster's Redis backend without its hangs; connections are named after the channel."""

    def __init__(self, url: str, *, client_name: str) -> None:
        self._redis = aioredis.Redis.from_url(
            url, client_name=client_name, socket_connect_timeout=BROKER_TIMEOUT
        )
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._queue: asyncio.Queue[BrokerEvent] = asyncio.Queue()
        self._listener: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        try:
            await self._redis.ping()
        except BaseException:
            await self._redis.aclose()  # Broadcast never calls disconnect() after this
            raise

    async def disconnect(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
        await self._pubsub.aclose()
        await self._redis.aclose()

    async def subscribe(self, group: str) -> None:
        await self._pubsub.subscribe(group)
        # Stock broadcaster starts listening before redis-py records the channel, finds nothing
        # subscribed and never listens again; so start only once the channel is recorded.
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen())

    async def unsubscribe(self, group: str) -> None:
        await self._pubsub.unsubscribe(group)

    async def publish(self, channel: str, message: Any) -> None:
        await self._redis.publish(channel, message)

    async def next_published(self) -> BrokerEvent:
        return await self._queue.get()

    async def _listen(self) -> None:
        try:
            while True:
                message = await self._pubsub.get_message(timeout=None)
                if message is not None and message["type"] == "message":
                    event = BrokerEvent(message["channel"].decode(), message["data"].decode())
                    self._queue.put_nowait(event)
        except Exception:
            # Stock broadcaster lets this task die unseen and its subscribers wait forever
            # (encode/broadcaster#144); tell every subscribed channel instead.
            for channel in self._pubsub.channels:
                self._queue.put_nowait(BrokerEvent(channel.decode(), LOST))


def broadcast_for(url: str, channel: str) -> Broadcast:
    if urlparse(url).scheme in ("redis", "rediss"):
        name = "tradegraph-bus:" + channel.replace(" ", "_")
        return Broadcast(backend=RedisBackend(url, client_name=name))
    return Broadcast(url)
