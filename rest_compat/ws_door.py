"""The door every hand-written WebSocket shares: accept, then check keys before any data.

Keys come from the handshake headers or, for browsers (which cannot set WebSocket headers),
from the first message, `{"type": "auth", "x-api-key": "...", "x-operator-key": "..."}`, sent
within AUTH_TIMEOUT seconds. A level that needs no key on this server (a Halyrd socket on an
open loopback server) waits for nothing. A refused socket is closed with:

- 4401: a key is missing or wrong (also: no first message in time);
- 4503: the level needs the operator key and none is configured (the seed's 503).
"""

from __future__ import annotations

import asyncio

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from resolvers.access import Level, Presented, authorize, effective
from resolvers.errors import DomainError

AUTH_TIMEOUT = 10.0
CLOSE_CODES = {401: 4401, 503: 4503, 501: 4501, 404: 4404, 422: 4422}


def close_reason(code: str, message: str) -> str:
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


async def refuse(websocket: WebSocket, error: DomainError) -> None:
    """Close with the 4xxx twin of the error's HTTP status and `CODE: message` as reason."""
    await websocket.close(
        CLOSE_CODES.get(error.status, 4400), close_reason(error.code, error.message)
    )


async def admit(websocket: WebSocket, level: Level) -> bool:
    """Accept the socket and check its keys for `level`; False once it has been closed."""
    await websocket.accept()
    keys = websocket.app.state.keys
    if effective(level, keys) == "public":
        return True
    try:
        authorize(level, await _presented(websocket), keys)
    except (TimeoutError, WebSocketDisconnect):
        if websocket.client_state.name == "CONNECTED":
            await websocket.close(4401, close_reason("UNAUTHORIZED", "no keys in time"))
        return False
    except DomainError as refusal:
        await refuse(websocket, refusal)
        return False
    return True
