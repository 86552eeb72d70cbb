"""Shared by the event bus tests: committing events, and waiting without ever hanging."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.events import Event
from storage.outbox import EventMessage, Publisher, append_event, commit_and_publish

Sessions = async_sessionmaker[AsyncSession]

ARRIVAL_TIMEOUT = 30.0  # generous: the tests assert that events arrive at all, not how fast


async def commit_events(
    sessions: Sessions,
    publish: Publisher | None,
    count: int,
    *,
    topic: str = "test.tick",
    entity_id: str | None = None,
) -> list[int]:
    """Append `count` events in one transaction; publish after commit, or only commit if None."""
    async with sessions() as session:
        rows = [
            await append_event(session, topic=topic, entity_id=entity_id, payload={"n": n})
            for n in range(count)
        ]
        if publish is None:
            await session.commit()
        else:
            await commit_and_publish(session, publish)
    return [row.id for row in rows]


async def stored_ids(sessions: Sessions) -> list[int]:
    async with sessions() as session:
        return list(await session.scalars(select(Event.id).order_by(Event.id)))


async def take(events: AsyncIterator[EventMessage], count: int) -> list[EventMessage]:
    """The next `count` events, failing instead of hanging when they do not come."""
    async with asyncio.timeout(ARRIVAL_TIMEOUT):
        return [await anext(events) for _ in range(count)]


async def wait_until(condition: Callable[[], bool]) -> None:
    """Poll state of the code under test, which offers no event to wait on."""
    async with asyncio.timeout(ARRIVAL_TIMEOUT):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
