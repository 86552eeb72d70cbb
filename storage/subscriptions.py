"""One subscriber's side of the event bus: its filter, bounded queue, cursor and table catch-up."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.events import Event
from storage.outbox import EventMessage

PAGE_SIZE = 500
R = TypeVar("R")

Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Topics (exact, or `prefix.*`) and an entity id; `exact=None` means any topic."""

    exact: frozenset[str] | None = None
    prefixes: tuple[str, ...] = ()
    entity_id: str | None = None

    @classmethod
    def build(cls, topics: Sequence[str] | None, entity_id: str | None) -> EventFilter:
        """The filter for subscribe()'s arguments; `strategy.*` keeps its dot as the prefix."""
        if isinstance(topics, str):
            raise TypeError("topics is a sequence of topics, not one topic")
        if topics is None:
            return cls(entity_id=entity_id)
        exact = frozenset(topic for topic in topics if not topic.endswith(".*"))
        prefixes = tuple(topic[:-1] for topic in topics if topic.endswith(".*"))
        return cls(exact, prefixes, entity_id)

    def matches(self, message: EventMessage) -> bool:
        """Whether a live event is for this subscriber."""
        if self.entity_id is not None and message.entity_id != self.entity_id:
            return False
        if self.exact is None:
            return True
        return message.topic in self.exact or message.topic.startswith(self.prefixes)

    def where(self) -> list[ColumnElement[bool]]:
        """The same test in SQL, so that table reads agree with live delivery."""
        clauses: list[ColumnElement[bool]] = []
        if self.entity_id is not None:
            clauses.append(Event.entity_id == self.entity_id)
        if self.exact is not None:
            # substr rather than LIKE: LIKE ignores case on SQLite and treats `_` as a wildcard.
            by_prefix = [func.substr(Event.topic, 1, len(p)) == p for p in self.prefixes]
            clauses.append(or_(false(), Event.topic.in_(self.exact), *by_prefix))
        return clauses


async def read_events(
    sessions: Sessions,
    *,
    after: int,
    upto: int,
    where: Sequence[ColumnElement[bool]] = (),
    limit: int = PAGE_SIZE,
) -> list[EventMessage]:
    """Stored events with after < id <= upto, oldest first, read in a short session of their own."""
    query = (
        select(Event)
        .where(Event.id > after, Event.id <= upto, *where)
        .order_by(Event.id)
        .limit(limit)
    )

    async def read() -> list[EventMessage]:
        async with sessions() as session:
            return [EventMessage.from_row(row) for row in await session.scalars(query)]

    return await finish_before_cancelling(read())


async def newest_event_id(sessions: Sessions) -> int:
    """The highest stored event id, 0 for an empty table."""

    async def read() -> int:
        async with sessions() as session:
            return await session.scalar(select(func.max(Event.id))) or 0

    return await finish_before_cancelling(read())


async def finish_before_cancelling(read: Coroutine[Any, Any, R]) -> R:
    """Run a short read to its end even when the subscriber is cancelled meanwhile (a client
    leaving, shutdown), then let the cancellation through.

    Cancelling a task inside a database call makes SQLAlchemy terminate that connection; with
    aiosqlite the shielded graceful close it starts can then wait forever for a worker thread
    that was already stopped, and the event loop never finishes shutting down. A read here is
    one bounded page, so finishing it delays a cancellation by milliseconds.
    """
    task = asyncio.ensure_future(read)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait({task})  # a second cancellation leaves the read running on its own
        raise


class Subscription:
    """One subscriber: iterate it for matching events in id order, each exactly once.

    `cursor` is the highest global id accounted for (queued, delivered, filtered out or known
    absent). While live, the dispatcher moves it; while lagging, the consumer does, reading
    the table. `None` in the queue is only a wake-up call.
    """

    def __init__(
        self,
        *,
        sessions: Sessions,
        event_filter: EventFilter,
        cursor: int,
        queue_size: int,
        head: Callable[[], int],
    ) -> None:
        self._sessions = sessions
        self._filter = event_filter
        self._head = head
        self._queue: asyncio.Queue[EventMessage | None] = asyncio.Queue(queue_size)
        self._page: deque[EventMessage] = deque()
        self.cursor = cursor
        self.lagging = cursor < head()
        self.closed = False

    @property
    def queued(self) -> int:
        """Events waiting in this subscriber's bounded queue."""
        return self._queue.qsize()

    def offer(self, message: EventMessage, previous: int) -> None:
        """Take the dispatcher's next event (`previous` is the one before it); never blocks."""
        if self.lagging or self.closed or message.id <= self.cursor:
            return
        if self.cursor < previous:
            self._fall_behind()  # it missed events that the table has; read them there, in order
            return
        if self._filter.matches(message):
            try:
                self._queue.put_nowait(message)
            except asyncio.QueueFull:
                self._fall_behind()
                return
        self.cursor = message.id

    def close(self) -> None:
        """End iteration at the consumer's next step."""
        self.closed = True
        self._wake()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> EventMessage:
        while not self.closed:
            if self._page:
                return self._page.popleft()
            if not self._queue.empty():
                item = self._queue.get_nowait()
            elif self.lagging:
                await self._catch_up()
                continue
            else:
                item = await self._queue.get()
            if item is not None:
                return item
        raise StopAsyncIteration

    async def _catch_up(self) -> None:
        """Read the next page the dispatcher skipped for us; go live once none is left."""
        target = self._head()
        rows = await read_events(
            self._sessions, after=self.cursor, upto=target, where=self._filter.where()
        )
        self.cursor = rows[-1].id if len(rows) == PAGE_SIZE else max(self.cursor, target)
        self._page.extend(rows)
        # Only an empty read switches to live, so the page and the queue never both hold events.
        if not rows and self.cursor >= self._head():
            self.lagging = False

    def _fall_behind(self) -> None:
        self.lagging = True
        self._wake()  # a consumer blocked on the empty queue must notice and go to the table

    def _wake(self) -> None:
        if self._queue.empty():
            with suppress(asyncio.QueueFull):
                self._queue.put_nowait(None)
