"""The live feed: `/api/ws/live` and its alias `/ws/live`, one handler.

The door (rest_compat/ws_door.py) checks the operator policy first: keys from the headers or a
first message `{"type": "auth", "x-api-key": ..., "x-operator-key": ...}`; a refused socket is
closed with 4401 or 4503 before any data.

Server frames (JSON text):
- events: `{"id", "type": "tick" | "fill" | "indicator" | "regime", "ts", "symbol",
  "strategy_id", "data"}` (resolvers/lab/live.py), in id order, each once; `id` is the
  event's outbox id, monotonic, for resuming;
- `{"type": "subscribed", "since", "types", "symbols", "strategies"}` once the subscription is
  open (at connect and after each `subscribe`): every event after it reaches the client;
- `{"type": "error", "code", "detail"}` for a client message the server cannot use; the socket
  stays open and the subscription unchanged.

Query parameters, all optional: `types=tick,fill`, `symbols=BTC-USD,ETH-USD`,
`strategies=3,7` (the subset rules are in resolvers/lab/live.py), `since=<id>` (replay stored
events after that id, then stream live). Bad ones close the socket with 4422 (4404 for a
strategy that does not exist) and `CODE: message` as the reason.

Client messages: `{"type": "subscribe", "types": [...], "symbols": [...], "strategies": [...]}`
replaces the subset (an omitted key means "every"); the new subset applies from the last event
sent, so nothing published meanwhile is lost. `{"type": "ping"}` answers `{"type": "pong"}`;
`{"type": "auth", ...}` after the door is ignored. Anything else gets an error frame.

Delivery: a client streaming from now on (no `since`) starts on the process's fast path
(rest_compat/live_hub.py: one bus subscription, frames sent to each client in the same step).
A client that resumes with `since`, changes its subset, or falls behind (its socket stops
taking frames and its bounded backlog fills) streams through a bus subscription of its own from
the last event it was sent: a bounded queue that falls back to reading the events table
(storage/bus.py). Either way a slow client never delays the others or grows the server's
memory, and no event is lost or sent twice.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import Any, Protocol

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.websockets import WebSocket, WebSocketDisconnect

from resolvers.errors import DomainError, InvalidInput
from resolvers.lab.live import (
    LiveFilter,
    PerMessage,
    check_since,
    frame,
    live_events,
    resolve_live_filter,
)
from rest_compat.live_hub import hub_for
from rest_compat.ws_door import admit, refuse
from storage.bus import EventBus


class Services(Protocol):
    """What the feed uses of the app's services (schema/context.py Services)."""

    session_factory: async_sessionmaker[AsyncSession]
    bus: EventBus | None


FILTER_KEYS = ("types", "symbols", "strategies")


def _split(raw: str | None) -> list[str] | None:
    if raw is None or not raw.strip():
        return None
    return [part.strip() for part in raw.split(",") if part.strip()]


def _ids(field: str, raw: Any) -> list[int] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise InvalidInput(f"{field} must be a list of ids", details={"field": field})
    ids: list[int] = []
    for item in raw:
        if isinstance(item, int) and not isinstance(item, bool):
            ids.append(item)
        elif isinstance(item, str) and item.isdigit() and len(item) <= 18:
            ids.append(int(item))
        else:
            raise InvalidInput(f"{field} are positive ids", details={"field": field})
    return ids


def _since(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise InvalidInput("since must be a non-negative event id", details={"field": "since"})
    return check_since(int(raw))


def _texts(field: str, raw: Any) -> list[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise InvalidInput(f"{field} must be a list of strings", details={"field": field})
    return raw


# each event's text frame, encoded once for every client that gets it
FRAMES = PerMessage(lambda message: orjson.dumps(frame(message)).decode())


def _error(error: DomainError) -> str:
    return orjson.dumps({"type": "error", "code": error.code, "detail": error.message}).decode()


async def _resolve(
    services: Services, types: Any, symbols: Any, strategies: list[int] | None
) -> LiveFilter:
    async with services.session_factory() as session:
        return await resolve_live_filter(
            session, types=types, symbols=symbols, strategy_ids=strategies
        )


async def live_feed(websocket: WebSocket) -> None:
    if not await admit(websocket, "operator"):
        return
    services: Services = websocket.app.state.services
    query = websocket.query_params
    try:
        since = _since(query.get("since"))
        strategies = _ids("strategies", _split(query.get("strategies")))
        live_filter = await _resolve(
            services, _split(query.get("types")), _split(query.get("symbols")), strategies
        )
    except DomainError as error:
        await refuse(websocket, error)
        return
    await LiveSocket(websocket, services, live_filter, since).run()


class LiveSocket:
    """One client: a sender task streaming its subset, and the client's messages read here."""

    def __init__(
        self, websocket: WebSocket, services: Services, live_filter: LiveFilter, since: int | None
    ) -> None:
        if services.bus is None:
            raise RuntimeError("the live feed needs the event bus")
        self._ws = websocket
        self._services = services
        self._bus = services.bus
        self._filter = live_filter
        # the last event sent, or where the stream starts: `since`, else the bus's newest event
        self._position = self._bus.last_id if since is None else since
        self._fast = since is None  # streaming from now on: the hub's fast path (live_hub.py)
        self._announce = True  # a new subset is acknowledged with a `subscribed` frame
        self._lock = asyncio.Lock()  # one frame at a time; a switch never cuts a send short
        self._ended = asyncio.Event()  # the stream stopped by itself (bus stopped, send failed)
        self._sender = self._start()

    def _start(self) -> asyncio.Task[None]:
        task = asyncio.create_task(self._send())
        task.add_done_callback(self._stopped)
        return task

    def _stopped(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled():  # cancelled: replaced by a subscribe, or the socket is ending
            self._ended.set()

    async def run(self) -> None:
        reader = asyncio.create_task(self._read())
        ended = asyncio.create_task(self._ended.wait())
        try:
            await asyncio.wait({reader, ended}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            tasks = (self._sender, reader, ended)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError, OSError):
                    await task

    def _ack(self, since: int) -> str:
        self._announce = False
        return orjson.dumps(
            {"type": "subscribed", "since": since, **self._filter.describe()}
        ).decode()

    async def _send(self) -> None:
        if self._fast:
            self._fast = False  # once left, never again: a switch or a lag reads on from the table
            await self._send_fast()
        await self._send_own()

    async def _send_fast(self) -> None:
        """Stream through the hub until this client falls behind (or the hub stops)."""
        hub = hub_for(self._bus, FRAMES)
        client = hub.join(self._ws.send_text, self._filter, self._ack)
        try:
            await client.behind.wait()
        finally:
            hub.leave(client)
            await client.settle()
            self._position = client.position
        if client.error is not None:
            raise client.error

    async def _send_own(self) -> None:
        """Stream through a subscription of this client's own, from the last event sent."""
        live_filter, start = self._filter, self._position
        async with live_events(self._bus, live_filter=live_filter, since=start) as stream:
            if self._announce:
                await self._frame(self._ack(start))
            async for message in stream:
                text = FRAMES(message)
                async with self._lock:
                    await self._ws.send_text(text)
                    self._position = message.id

    async def _frame(self, text: str) -> None:
        async with self._lock:
            await self._ws.send_text(text)

    async def _read(self) -> None:
        while True:
            message = await self._ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            try:
                await self._handle(message.get("text"))
            except DomainError as error:
                await self._frame(_error(error))

    async def _handle(self, text: str | None) -> None:
        if text is None:
            raise InvalidInput("messages are JSON text frames", code="BAD_MESSAGE")
        try:
            message = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise InvalidInput("a message must be JSON", code="BAD_MESSAGE") from None
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "subscribe":
            await self._subscribe(message)
        elif kind == "ping":
            await self._frame('{"type":"pong"}')
        elif kind != "auth":
            raise InvalidInput(
                f"unknown message type {kind!r}; send subscribe or ping",
                code="UNKNOWN_MESSAGE",
            )

    async def _subscribe(self, message: dict[str, Any]) -> None:
        unknown = sorted(set(message) - {"type", *FILTER_KEYS})
        if unknown:
            raise InvalidInput(f"unknown key {unknown[0]!r}", details={"field": unknown[0]})
        live_filter = await _resolve(
            self._services,
            _texts("types", message.get("types")),
            _texts("symbols", message.get("symbols")),
            _ids("strategies", message.get("strategies")),
        )
        async with self._lock:  # the sender is between frames: nothing half-sent, nothing lost
            self._sender.cancel()
        with suppress(asyncio.CancelledError):
            await self._sender
        self._filter = live_filter
        self._announce = True
        self._sender = self._start()
