"""graphql-transport-ws for /graphql, with `liveFeed` served from the live feed's shared hub.

Strawberry's handler runs each operation in a task of its own; a liveFeed subscription without
`since` hands its checked subset over (schema/live.py LiveHandoff) instead of streaming, and
this handler then serves it from the hub that /ws/live uses (rest_compat/live_hub.py). It
overrides Strawberry's private `_send_result_stream` because that is the one place inside the
operation's task where the resolver has run (so the handoff holds its subset) and Strawberry
has not yet sent `complete`: serving the events there keeps them in that task, so `complete`
and the connection closing cancel them exactly as they cancel any operation. A private method
may change with any Strawberry release; tests/schema/test_live_feed.py drives this path over a
TestClient WebSocket and fails if the override stops being called.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from starlette.websockets import WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)

from resolvers.lab.live import LiveFilter, live_events
from rest_compat.live import FRAMES
from rest_compat.live_hub import hub_for
from schema.context import GraphQLContext
from schema.live import LIVE_HANDOFF, LiveHandoff
from server.graphql_json import dumps
from server.graphql_live import LivePayloads
from storage.outbox import EventMessage


class LiveView(Protocol):
    """What the handler needs of its view (server/graphql_app.py TradegraphGraphQL)."""

    live_payloads: LivePayloads


class LiveTransportWSHandler(BaseGraphQLTransportWSHandler[GraphQLContext, None]):
    """graphql-transport-ws, with `liveFeed` served like /ws/live (rest_compat/live_hub.py).

    A liveFeed subscription without `since` runs through Strawberry up to its resolver (key
    policy, access level, argument checks and their errors as for any operation), which hands
    its subset over (schema/live.py LiveHandoff). Its events then come from the process's
    shared hub: one bus subscription, each event's payload executed and encoded once per
    distinct operation, each subscriber's frame its id spliced around that payload and sent
    in the hub's own loop. A subscriber whose socket falls behind leaves the hub and reads on
    from its last event through its own bus subscription (which catches up from the events
    table): nothing lost, nothing twice. `complete` from the client, or the connection
    closing, cancels the operation as Strawberry does: its backlog is dropped, only a send
    already in flight still finishes. With `since`, liveFeed streams through Strawberry as before.
    """

    async def run_operation(self, operation: Operation[GraphQLContext, None]) -> None:
        LIVE_HANDOFF.set(LiveHandoff())  # this operation's task only: it has its own context
        await super().run_operation(operation)

    async def _send_result_stream(
        self, operation: Operation[GraphQLContext, None], result_source: Any
    ) -> None:
        await super()._send_result_stream(operation, result_source)
        handoff = LIVE_HANDOFF.get()
        if handoff is not None and handoff.live_filter is not None:
            await self._serve_live(operation, handoff.live_filter)

    async def _serve_live(
        self, operation: Operation[GraphQLContext, None], live_filter: LiveFilter
    ) -> None:
        payloads = cast(LiveView, self.view).live_payloads
        prefix = f'{{"id":{dumps(operation.id)},"type":"next","payload":'
        context, key = self.context, payloads.key(operation)

        def render(message: EventMessage) -> str:
            return prefix + payloads.payload(key, operation, context, message) + "}"

        bus = context.bus
        hub = hub_for(bus, FRAMES)
        client = hub.join(self._send_text, live_filter, render=render)
        try:
            await client.behind.wait()
        finally:
            hub.leave(client)
            client.behind.set()  # on `complete`: no frame of its backlog goes out after it
        await client.settle()
        if isinstance(client.error, WebSocketDisconnected):
            raise client.error
        async with live_events(bus, live_filter=live_filter, since=client.position) as stream:
            async for message in stream:
                await self._send_text(render(message))

    async def _send_text(self, text: str) -> None:
        websocket = cast(Any, self.websocket).ws
        try:
            await websocket.send_text(text)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc
