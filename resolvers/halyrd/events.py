"""What a trading agent streams: `{type, ts, data}` messages, written to the outbox.

Each type is an outbox topic `halyrd.<type>` with the agent id as entity id, so the Halyrd
WebSocket, the GraphQL `agentEvents` subscription and `since` resumption all read one log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.views import Choices
from storage.outbox import append_event

TOPIC_PREFIX = "halyrd."
AGENT_EVENT_TYPE = Choices(
    "AgentEventType",
    ("equity", "trade", "journal", "risk_veto", "status"),
    "What a Halyrd agent event carries (the seed's WebSocket list).",
)
EVENT_TYPES = AGENT_EVENT_TYPE.values


def topic_for(event_type: str) -> str:
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown Halyrd event type {event_type!r}")
    return TOPIC_PREFIX + event_type


async def emit(
    session: AsyncSession, *, agent_id: str, event_type: str, ts: datetime, data: dict[str, Any]
) -> None:
    """Add one `{type, ts, data}` event to the current transaction's outbox."""
    payload = {"type": event_type, "ts": ts.isoformat(), "data": data}
    await append_event(session, topic=topic_for(event_type), entity_id=agent_id, payload=payload)
