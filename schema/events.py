"""The `events` subscription: the outbox, live, resumable with `since`."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import cast

import strawberry

from schema.scalars import JSON
from storage.outbox import EventMessage


@strawberry.type
class Event:
    id: int
    topic: str
    entity_id: str | None
    payload: JSON
    ts: datetime

    @classmethod
    def from_message(cls, message: EventMessage) -> Event:
        return cls(
            id=message.id,
            topic=message.topic,
            entity_id=message.entity_id,
            payload=cast(JSON, message.payload),
            ts=message.ts,
        )


@strawberry.type
class EventSubscription:
    @strawberry.subscription(
        description="Outbox events in id order; `topics` entries may end in `.*`; "
        "`since` replays every stored event after that id first."
    )
    async def events(
        self,
        info: strawberry.Info,
        topics: list[str] | None = None,
        entity_id: str | None = None,
        since: int | None = None,
    ) -> AsyncGenerator[Event, None]:
        async with info.context.bus.subscribe(
            topics=topics, entity_id=entity_id, since=since
        ) as stream:
            async for message in stream:
                yield Event.from_message(message)
