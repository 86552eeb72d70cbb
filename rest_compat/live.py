"""The live feed's WebSocket door: `/api/ws/live` and its alias `/ws/live`, one handler.

The feed is operator-gated like the rest of the API. Keys come from the handshake headers or,
for browsers (which cannot set WebSocket headers), from the first message,
`{"type": "auth", "x-api-key": "...", "x-operator-key": "..."}`, sent within AUTH_TIMEOUT
seconds. Nothing is sent before the keys are checked; a refused socket is closed with:

- 4401: the API key or the operator key is missing or wrong (also: no first message in time);
- 4503: no operator key is configured (FORVEN_OPERATOR_KEY), the seed's 503.

The feed itself (price ticks, order fills, indicator updates, regime changes) is not built
yet, so an authenticated socket is closed with 4501 NOT_IMPLEMENTED rather than left silent.
"""

from __future__ import annotations

import asyncio

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from resolvers.access import Presented, authorize
from resolvers.errors import DomainError

AUTH_TIMEOUT = 10.0
CLOSE_CODES = {401: 4401, 503: 4503, 501: 4501}


def _close_reason(code: str, message: str) -> str:
    return f"{code}: {message}"[:120]  # a close reason is at most 123 bytes


async def _presented(websocket: WebSocket) -> Presented:
    presented = Presented.from_headers(websocket.headers.get)
    if presented.api_key is not None or presented.operator_key is not None:
        return presented
    text = await asyncio.wait_for(websocket.receive_text(), AUTH_TIMEOUT)
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError:
        return Presented()
    return Presented.from_payload(message if isinstance(message, dict) else None)


async def live_feed(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        presented = await _presented(websocket)
        authorize("operator", presented, websocket.app.state.keys)
    except (TimeoutError, WebSocketDisconnect):
        if websocket.client_state.name == "CONNECTED":
            await websocket.close(4401, _close_reason("UNAUTHORIZED", "no keys in time"))
        return
    except DomainError as refusal:
        await websocket.close(
            CLOSE_CODES.get(refusal.status, 4401), _close_reason(refusal.code, refusal.message)
        )
        return
    await websocket.close(
        4501, _close_reason("NOT_IMPLEMENTED", "the live feed is documented but not built yet")
    )
