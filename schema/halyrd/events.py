"""`agentEvents`: the Halyrd WebSocket's messages as a GraphQL subscription (same outbox)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import cast

import strawberry

from resolvers.agent_roster import get_trading_agent
from resolvers.halyrd.events import EVENT_TYPES, topic_for
from schema.enums import AgentEventType
from schema.scalars import JSON
from storage.outbox import EventMessage

CURRENT = strawberry.ID("current")


@strawberry.type(description="One agent event: `{type, ts, data}` plus its outbox id.")
class AgentEvent:
    id: int
    type: AgentEventType
    ts: datetime
    data: JSON

    @classmethod
    def from_message(cls, message: EventMessage) -> AgentEvent:
        payload = message.payload
        return cls(
            id=message.id,
            type=AgentEventType(payload["type"]),
            ts=datetime.fromisoformat(payload["ts"]),
            data=cast(JSON, payload["data"]),
        )


@strawberry.type
class AgentEventSubscription:
    @strawberry.subscription(
        description="An agent's equity snapshots, trades, journal entries, risk vetoes and "
        "status changes as they happen; `types` keeps a subset, `since` replays stored events "
        "after that id first."
    )
    async def agent_events(
        self,
        info: strawberry.Info,
        agent_id: strawberry.ID = CURRENT,
        types: list[AgentEventType] | None = None,
        since: int | None = None,
    ) -> AsyncGenerator[AgentEvent, None]:
        services = info.context.services
        async with services.session_factory() as session:
            agent = await get_trading_agent(session, agent_id=str(agent_id))
            resolved = agent.id
        wanted = [t.value for t in types] if types else list(EVENT_TYPES)
        async with info.context.bus.subscribe(
            topics=[topic_for(t) for t in wanted], entity_id=resolved, since=since
        ) as stream:
            async for message in stream:
                yield AgentEvent.from_message(message)
