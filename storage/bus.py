"""The event bus: committed outbox events, pushed through a broker to every process's subscribers.

Each process holds exactly one broker subscription (the dispatcher) and fans events out to
subscribers in global id order. The events table is the source of truth: an id gap on the
broker is filled from the table before the later event goes out (ids rolled back on PostgreSQL
stay holes for good, so the backfill takes whatever exists and moves on), and every
`tail_interval` a tail check delivers committed events the broker never carried. Every process
on one channel must share one events table.

Slow-consumer policy: every subscriber has its own bounded asyncio.Queue(queue_size). The
dispatcher never waits for a subscriber: it offers each event with put_nowait, and when a
subscriber's queue is full it marks that subscriber lagging and stops enqueuing for it. Once
the subscriber has drained its queue it reads what it missed from the events table, in pages
of 500 rows, until it has caught up with the dispatcher, then returns to live delivery. So a
consumer that stops reading holds at most queue_size events (or one page while it catches up),
never delays the others, and loses nothing: each subscriber gets every matching event exactly
once, in id order.

The broker connection is supervised, where stock broadcaster would hang for good
(encode/broadcaster#144): on an error, a dropped connection, or silence it is rebuilt with
capped backoff and logged once per outage. Silence: after max(tail_interval, 1 s) without a
message the dispatcher publishes an empty batch as a probe, and if nothing at all arrives
within another such interval the connection counts as dead. Redis goes through our own
backend, since broadcaster 0.3.1's never delivers with redis-py 8 (see storage/broker.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from functools import partial

from broadcaster import Broadcast
from broadcaster import Event as BrokerEvent

from storage.broker import BROKER_TIMEOUT, LOST, broadcast_for, decode, encode
from storage.outbox import EventMessage
from storage.subscriptions import (
    PAGE_SIZE,
    EventFilter,
    Sessions,
    Subscription,
    newest_event_id,
    read_events,
)

log = logging.getLogger(__name__)

BACKOFF_MIN, BACKOFF_MAX = 0.1, 5.0
PROBE_MIN_INTERVAL = 1.0  # below this, a busy event loop would look like a silent broker


class BrokerLost(ConnectionError):
    """The broker subscription failed or fell silent."""


async def _quietly(close: Callable[[], Awaitable[object]]) -> None:
    """Tear down a broker object that may already be broken, without hanging on it."""
    try:
        async with asyncio.timeout(BROKER_TIMEOUT):
            await close()
    except Exception as exc:
        log.debug("event bus teardown: %r", exc)


class EventBus:
    """Publishes committed events and delivers them to subscribers; see the module docstring."""

    def __init__(
        self,
        url: str,
        session_factory: Sessions,
        *,
        queue_size: int = 1024,
        tail_interval: float = 1.0,
        channel: str = "tradegraph.events",
    ) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self._url = url
        self._sessions = session_factory
        self._queue_size = queue_size
        self._tail_interval = tail_interval
        self._probe_interval = max(tail_interval, PROBE_MIN_INTERVAL)
        self._channel = channel
        self._head = 0
        self._subscriptions: set[Subscription] = set()
        self._broadcast: Broadcast | None = None
        self._connected = asyncio.Event()
        self._ingesting = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self._backoff = BACKOFF_MIN
        self._failing: set[str] = set()  # what has logged a failure and not recovered yet

    @property
    def last_id(self) -> int:
        """The highest event id the dispatcher has seen."""
        return self._head

    @property
    def connected(self) -> bool:
        """Whether the broker is connected now (else the events table stands in)."""
        return self._connected.is_set()

    async def start(self) -> None:
        """Connect the broker, then keep the supervised dispatcher and the tail check running."""
        if self._tasks:
            raise RuntimeError("EventBus is already started")
        self._head = await newest_event_id(self._sessions)
        self._tasks = [
            asyncio.create_task(self._supervise(), name="event-bus-dispatcher"),
            asyncio.create_task(self._tail(), name="event-bus-tail"),
        ]
        try:
            async with asyncio.timeout(BROKER_TIMEOUT):
                await self._connected.wait()
        except TimeoutError:
            log.warning("event bus started without its broker; the events table stands in")

    async def stop(self) -> None:
        """Stop the tasks, end every open subscription and drop the broker connection."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for subscription in self._subscriptions:
            subscription.close()
        self._subscriptions.clear()

    async def publish(self, messages: list[EventMessage]) -> None:
        """Send committed events to every process; a failure is logged and the table covers it."""
        broadcast = self._broadcast
        if not messages or broadcast is None:
            return
        try:
            async with asyncio.timeout(BROKER_TIMEOUT):
                await broadcast.publish(self._channel, encode(messages))
        except Exception as exc:
            self._failed("publish", "event bus publish failed (%s); the tail check covers it", exc)
        else:
            self._recovered("publish", "event bus publishes again")

    def subscribe(
        self,
        *,
        topics: Sequence[str] | None = None,
        entity_id: str | None = None,
        since: int | None = None,
    ) -> AbstractAsyncContextManager[AsyncIterator[EventMessage]]:
        """Matching events with id > since (default: from now on), in id order, once each."""
        return self._subscription(EventFilter.build(topics, entity_id), since)

    @asynccontextmanager
    async def _subscription(
        self, event_filter: EventFilter, since: int | None
    ) -> AsyncIterator[Subscription]:
        if not self._tasks:
            raise RuntimeError("EventBus.subscribe() needs a started bus")
        cursor = await newest_event_id(self._sessions) if since is None else max(since, 0)
        subscription = Subscription(
            sessions=self._sessions,
            event_filter=event_filter,
            cursor=cursor,
            queue_size=self._queue_size,
            head=lambda: self._head,
        )
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)
            subscription.close()

    async def _supervise(self) -> None:
        """Keep one broker subscription alive, reconnecting with capped backoff."""
        while True:
            try:
                await self._listen()
            except Exception as exc:
                self._failed("broker", "event bus lost its broker (%s); reconnecting", exc)
            await asyncio.sleep(self._backoff)
            self._backoff = min(self._backoff * 2, BACKOFF_MAX)

    async def _listen(self) -> None:
        """One broker connection: subscribe, then ingest until it fails or falls silent."""
        broadcast = broadcast_for(self._url, self._channel)
        async with AsyncExitStack() as stack:
            stack.push_async_callback(_quietly, broadcast.disconnect)
            async with asyncio.timeout(BROKER_TIMEOUT):
                await broadcast.connect()
                subscription = broadcast.subscribe(self._channel)
                subscriber = await subscription.__aenter__()
            stack.push_async_callback(_quietly, partial(subscription.__aexit__, None, None, None))
            self._broadcast = broadcast
            stack.push_async_callback(self._disconnected)
            self._backoff = BACKOFF_MIN
            self._connected.set()
            self._recovered("broker", "event bus reconnected to its broker")
            await self._pump(broadcast, subscriber.get)

    async def _disconnected(self) -> None:
        self._broadcast = None
        self._connected.clear()

    async def _pump(
        self, broadcast: Broadcast, receive: Callable[[], Awaitable[BrokerEvent]]
    ) -> None:
        """Ingest broker messages; when idle, probe the broker and give up if it stays silent."""
        probing = False
        while True:
            try:
                async with asyncio.timeout(self._probe_interval):
                    event = await receive()
            except TimeoutError:
                if probing:
                    raise BrokerLost("the broker fell silent") from None
                async with asyncio.timeout(self._probe_interval):
                    await broadcast.publish(self._channel, encode([]))
                probing = True
                continue
            probing = False
            if event.message == LOST:
                raise BrokerLost("the broker dropped the connection")
            try:
                messages = decode(event.message)
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("event bus ignores a malformed message on %s: %r", self._channel, exc)
                continue
            await self._ingest(messages)

    async def _tail(self) -> None:
        """Every tail_interval, deliver committed events that the broker has not brought."""
        while True:
            await asyncio.sleep(self._tail_interval)
            try:
                newest = await newest_event_id(self._sessions)
                if newest > self._head:
                    async with self._ingesting:
                        await self._backfill(newest)
            except Exception as exc:
                self._failed("tail", "event bus tail check failed (%s)", exc)
            else:
                self._recovered("tail", "event bus tail check works again")

    async def _ingest(self, messages: list[EventMessage]) -> None:
        """Advance through these events in order, first filling any id gap from the table."""
        async with self._ingesting:
            for message in messages:
                if message.id <= self._head:
                    continue  # a duplicate, or already read from the table
                if message.id > self._head + 1:
                    await self._backfill(message.id - 1)
                self._advance(message)

    async def _backfill(self, upto: int) -> None:
        """Fan out whatever the table holds after the head, up to `upto`, page by page."""
        while True:
            page = await read_events(self._sessions, after=self._head, upto=upto)
            for message in page:
                self._advance(message)
            if len(page) < PAGE_SIZE:
                return

    def _advance(self, message: EventMessage) -> None:
        previous, self._head = self._head, message.id
        for subscription in self._subscriptions:
            subscription.offer(message, previous)

    def _failed(self, what: str, text: str, exc: BaseException) -> None:
        """Log the first failure of an outage as a warning, repeats only at debug level."""
        level = logging.DEBUG if what in self._failing else logging.WARNING
        self._failing.add(what)
        log.log(level, text, f"{type(exc).__name__}: {exc}")

    def _recovered(self, what: str, text: str) -> None:
        if what in self._failing:
            self._failing.discard(what)
            log.info(text)
