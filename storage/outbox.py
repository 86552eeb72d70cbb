"""Write side of the outbox: append an event in the change's transaction, publish after commit.

Event ids must become visible in id order, or a subscriber that saw id 7 could miss a later
committing id 6. SQLite serializes writers, so that holds by itself; on PostgreSQL writers of
events take a transaction-scoped advisory lock before inserting, held until their commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.events import Event

OUTBOX_LOCK_KEY = 0x7472_6164  # "trad": one advisory lock for every event writer
_PENDING = "outbox.pending"
_LOCKED = "outbox.locked"


@dataclass(frozen=True, slots=True)
class EventMessage:
    """An event as it travels on the bus and reaches subscribers."""

    id: int
    topic: str
    entity_id: str | None
    payload: dict[str, Any]
    ts: datetime

    @classmethod
    def from_row(cls, row: Event) -> EventMessage:
        return cls(row.id, row.topic, row.entity_id, dict(row.payload), row.created_at)


async def append_event(
    session: AsyncSession, *, topic: str, entity_id: str | None, payload: dict[str, Any]
) -> Event:
    """Add an outbox row to the session's transaction; it is published after the commit."""
    bind = session.bind
    if bind is not None and bind.dialect.name == "postgresql" and not session.info.get(_LOCKED):
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": OUTBOX_LOCK_KEY})
        session.info[_LOCKED] = True
    row = Event(topic=topic, entity_id=entity_id, payload=payload)
    session.add(row)
    await session.flush()
    session.info.setdefault(_PENDING, []).append(row)
    return row


def take_pending(session: AsyncSession) -> list[EventMessage]:
    """The events this session's last transaction wrote, cleared from the session."""
    rows: list[Event] = session.info.pop(_PENDING, [])
    session.info.pop(_LOCKED, None)
    return [EventMessage.from_row(row) for row in rows]


@asynccontextmanager
async def savepoint(session: AsyncSession) -> AsyncIterator[None]:
    """A nested transaction whose outbox events are forgotten with it when it rolls back."""
    pending = list(session.info.get(_PENDING, []))
    try:
        async with session.begin_nested():
            yield
    except BaseException:
        session.info[_PENDING] = pending
        raise


def discard_pending(session: AsyncSession) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_LOCKED, None)


Publisher = Callable[[list[EventMessage]], Awaitable[None]]


async def commit_and_publish(session: AsyncSession, publish: Publisher | None) -> None:
    """The request boundary: commit, then hand the committed events to the bus.

    A failed publish loses nothing: subscribers find the rows by id gap or by the bus's
    tail check and read them from the table.
    """
    try:
        await session.commit()
    except BaseException:
        discard_pending(session)
        raise
    messages = take_pending(session)
    if messages and publish is not None:
        await publish(messages)
