"""The Halyrd WebSocket: `/agents/{id}/ws` (`/agents/current/ws` for the running agent).

Every message is `{"id", "type", "ts", "data"}`: `type` is one of equity, trade, journal,
risk_veto, status (the seed's list: equity snapshots, trades, journal entries, risk vetoes and
status changes); `ts` is when it happened; `id` is the event's position in the outbox, for
resuming. Query parameters: `types=equity,trade` keeps a subset; `since=<id>` first replays
every stored event after that id, then streams live (nothing is lost across a reconnect).

Access is the Halyrd REST rule: open on a loopback server without FORVEN_AUTH_REQUIRED,
otherwise the API key (headers, or the first message as on the live feed). An unknown agent
closes with 4404, bad parameters with 4422. A slow client is handled by the bus's bounded
per-subscriber queue, which falls back to reading the table rather than dropping events.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from resolvers.agent_roster import get_trading_agent
from resolvers.errors import DomainError, InvalidInput
from resolvers.halyrd.events import EVENT_TYPES, topic_for
from rest_compat.ws_door import admit, refuse
from storage.bus import EventBus

PATH = "/agents/{id}/ws"


def _types(raw: str | None) -> list[str]:
    if raw is None or not raw.strip():
        return list(EVENT_TYPES)
    wanted = [part.strip() for part in raw.split(",") if part.strip()]
    unknown = [t for t in wanted if t not in EVENT_TYPES]
    if unknown:
        raise InvalidInput(
            f"unknown event type {unknown[0]!r}; use {', '.join(EVENT_TYPES)}",
            details={"field": "types"},
        )
    return wanted


def _since(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise InvalidInput("since must be a non-negative event id", details={"field": "since"})
    return int(raw)


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) client messages so that a close from the client is noticed."""
    with suppress(WebSocketDisconnect):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


async def agent_stream(websocket: WebSocket) -> None:
    if not await admit(websocket, "halyrd_read"):
        return
    services = websocket.app.state.services
    try:
        topics = [topic_for(t) for t in _types(websocket.query_params.get("types"))]
        since = _since(websocket.query_params.get("since"))
        async with services.session_factory() as session:
            agent = await get_trading_agent(session, agent_id=websocket.path_params["id"])
            agent_id = agent.id
    except DomainError as error:
        await refuse(websocket, error)
        return
    sender = asyncio.create_task(_send(websocket, services.bus, topics, agent_id, since))
    reader = asyncio.create_task(_drain(websocket))
    try:
        await asyncio.wait({sender, reader}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sender, reader):
            task.cancel()
        for task in (sender, reader):
            with suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task


async def _send(
    websocket: WebSocket, bus: EventBus, topics: list[str], agent_id: str, since: int | None
) -> None:
    async with bus.subscribe(topics=topics, entity_id=agent_id, since=since) as stream:
        async for message in stream:
            await websocket.send_text(orjson.dumps({"id": message.id, **message.payload}).decode())
