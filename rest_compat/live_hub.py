"""The live feed's fast path: one bus subscription per process fans events out to every client
that keeps up, sending to each right away instead of waking a task per client.

Why: with a task and a bus queue per client, a tick to 1,000 clients costs 1,000 queue wake-ups
and task switches before the 1,000 socket writes (BENCHMARKS.md, live feed). Here the hub's one
loop offers each event to its clients in turn, and a client whose socket takes the frame at once
(the usual case) is done with it in that same step.

A send that has to wait (the client's socket is full) goes on in a task of its own; the events
that come meanwhile wait in the client's bounded backlog, in order. A client whose backlog
overflows, or whose send fails, leaves the fast path: its handler (rest_compat/live.py) waits
for the send in flight, then reads on from the last event it sent through its own bus
subscription, which catches up from the events table. So the fast path never holds more than
BACKLOG frames for anyone and never delays the others, and nothing is lost or sent twice.

The GraphQL `liveFeed` subscriptions share the same hub (server/graphql_ws.py): such a client
brings its own `render` (its operation's payload, executed and encoded once per event per
distinct operation, around its subscription id) and no acknowledgement frame.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import suppress
from typing import Any

from resolvers.lab.live import LIVE_TYPES, LiveFilter, topic_for
from storage.bus import EventBus
from storage.outbox import EventMessage

BACKLOG = 256  # frames a client may have waiting behind a send that could not finish at once

Send = Callable[[str], Coroutine[Any, Any, None]]


def start_eager(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
    """Run `coro` now up to its first real wait: None when it finished, else a task finishing it.

    Python 3.12's eager tasks do this; on 3.11 the first step is taken by hand. An exception
    from that step propagates to the caller.
    """
    try:
        waiting_on = coro.send(None)
    except StopIteration:
        return None
    return asyncio.ensure_future(_resume(coro, waiting_on))


async def _resume(coro: Coroutine[Any, Any, None], waiting_on: Any) -> None:
    """Drive a coroutine that has been stepped by hand, as a task would (futures it waits on
    are awaited here, then the coroutine is resumed and takes the outcome from them)."""
    try:
        while True:
            if waiting_on is None:
                await asyncio.sleep(0)  # a bare yield: give the loop one turn
            else:
                await asyncio.wait({waiting_on})
            waiting_on = coro.send(None)
    except StopIteration:
        return
    except BaseException:
        coro.close()
        raise


class HubClient:
    """One client on the fast path; `behind` is set once it must leave it."""

    def __init__(
        self,
        send: Send,
        live_filter: LiveFilter,
        position: int,
        render: Callable[[EventMessage], str] | None = None,
    ) -> None:
        self.send = send
        self.filter = live_filter
        self.render = render  # its own frame of an event (GraphQL: its operation id), if any
        self.position = position  # id of the last event sent
        self.behind = asyncio.Event()
        self.error: BaseException | None = None
        self._pending: asyncio.Task[None] | None = None
        self._backlog: deque[tuple[int | None, str]] = deque()

    def offer(self, event_id: int | None, text: str) -> None:
        """Send a frame now, or queue it behind the send in flight (`event_id` None: a frame
        that is not an event)."""
        if self.behind.is_set():
            return
        if self._pending is not None:
            if len(self._backlog) >= BACKLOG:
                self._backlog.clear()  # they will be read again from the table
                self.behind.set()
            else:
                self._backlog.append((event_id, text))
            return
        try:
            unfinished = start_eager(self.send(text))
        except Exception as exc:
            self._fail(exc)
            return
        if unfinished is None:
            self._sent(event_id)
        else:
            self._pending = asyncio.ensure_future(self._finish(unfinished, event_id))

    async def settle(self) -> None:
        """Wait until no send is in flight (after the client has left the hub)."""
        pending = self._pending
        if pending is not None:
            with suppress(asyncio.CancelledError):
                await asyncio.shield(pending)

    async def _finish(self, first: Awaitable[None], event_id: int | None) -> None:
        try:
            await first
            self._sent(event_id)
            while self._backlog and not self.behind.is_set():
                next_id, text = self._backlog.popleft()
                await self.send(text)
                self._sent(next_id)
        except Exception as exc:
            self._fail(exc)
        finally:
            self._pending = None

    def _sent(self, event_id: int | None) -> None:
        if event_id is not None:
            self.position = event_id

    def _fail(self, exc: BaseException) -> None:
        self.error = exc
        self._backlog.clear()
        self.behind.set()


class LiveHub:
    """The process's fast path over one bus; started by the first client that joins."""

    def __init__(self, bus: EventBus, frames: Callable[[EventMessage], str]) -> None:
        self._bus = bus
        self._frames = frames
        self._clients: dict[HubClient, None] = {}  # insertion-ordered set
        self._position = 0
        self._task: asyncio.Task[None] | None = None

    def join(
        self,
        send: Send,
        live_filter: LiveFilter,
        first: Callable[[int], str] | None = None,
        render: Callable[[EventMessage], str] | None = None,
    ) -> HubClient:
        """Add a client; it gets `first(position)` (its acknowledgement, if any), then every
        matching event after `position`, as the hub's frame or as `render` makes it."""
        if self._task is None or self._task.done():
            self._position = self._bus.last_id
            self._task = asyncio.create_task(self._run(self._position), name="live-feed-hub")
        client = HubClient(send, live_filter, self._position, render)
        if first is not None:
            client.offer(None, first(self._position))
        self._clients[client] = None
        return client

    def leave(self, client: HubClient) -> None:
        self._clients.pop(client, None)

    def __len__(self) -> int:
        """The clients on the fast path now."""
        return len(self._clients)

    async def _run(self, start: int) -> None:
        topics = [topic_for(kind) for kind in LIVE_TYPES]
        try:
            async with self._bus.subscribe(topics=topics, since=start) as stream:
                async for message in stream:
                    text: str | None = None
                    for client in tuple(self._clients):
                        if not client.filter.matches(message):
                            continue
                        if client.render is None:
                            text = text or self._frames(message)
                            client.offer(message.id, text)
                            continue
                        try:
                            own = client.render(message)
                        except Exception as exc:  # one client's frame must not stop the hub
                            client._fail(exc)
                        else:
                            client.offer(message.id, own)
                    self._position = message.id
        finally:
            for client in tuple(self._clients):
                client.behind.set()  # on their own subscriptions, or told the bus is gone
            self._clients.clear()


_hubs: weakref.WeakKeyDictionary[EventBus, LiveHub] = weakref.WeakKeyDictionary()


def hub_for(bus: EventBus, frames: Callable[[EventMessage], str]) -> LiveHub:
    hub = _hubs.get(bus)
    if hub is None:
        hub = _hubs[bus] = LiveHub(bus, frames)
    return hub
