"""The live feed's WebSocket door: `/api/ws/live` and its alias `/ws/live`, one handler.

The feed is operator-gated like the rest of the API; the door (rest_compat/ws_door.py) checks
keys from the headers or the first message and closes with 4401 or 4503 before any data.

The feed itself (price ticks, order fills, indicator updates, regime changes) is not built
yet, so an authenticated socket is closed with 4501 NOT_IMPLEMENTED rather than left silent.
"""

from __future__ import annotations

from starlette.websockets import WebSocket

from rest_compat.ws_door import admit, close_reason


async def live_feed(websocket: WebSocket) -> None:
    if not await admit(websocket, "operator"):
        return
    await websocket.close(
        4501, close_reason("NOT_IMPLEMENTED", "the live feed is documented but not built yet")
    )
