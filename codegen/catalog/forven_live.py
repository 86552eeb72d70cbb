"""Forven (seed 000): the live WebSocket feed, graceful shutdown and webhooks.

All four will be hand-written transport routes (state "transport"), never generated. None is
built yet, so they are "planned": the two HTTP routes answer 501 NOT_IMPLEMENTED from a
generated stub, and the WebSocket paths are not served at all until the live-feed issue.
"""

from __future__ import annotations

from codegen.catalog.forven_system import forven, path_param
from codegen.model import Route

FEED_NOTES = (
    "Streams price ticks, order fills, indicator updates and regime changes. /api/ws/live and "
    "/ws/live share one handler. Keys by header, or in the connection_init payload / first "
    "message for browsers; the operator policy guards the feed."
)

ROUTES: tuple[Route, ...] = (
    forven(
        "WS", "/api/ws/live", "live", "stream_live_feed", "Live feed (primary endpoint).",
        state="planned",
        notes=FEED_NOTES,
    ),
    forven(
        "WS", "/ws/live", "live", "stream_live_feed_alias", "Live feed (alias of /api/ws/live).",
        state="planned",
        notes=FEED_NOTES,
    ),
    forven(
        "POST", "/api/shutdown", "system", "shutdown_server", "Graceful shutdown.",
        auth="loopback",
        state="planned",
        status=202,
        errors=(403,),
        notes=(
            "From 127.0.0.1/::1 only (403 otherwise); exempt from the API key. Used by the Tauri "
            "shell to stop uvicorn; 202 because the shutdown happens after the response."
        ),
    ),
    forven(
        "POST", "/api/webhooks/{name}", "webhooks", "receive_webhook", "Inbound webhook.",
        path_param("name", "str", arg="webhook_name", what="webhook name"),
        auth="hmac",
        state="planned",
        body=True,
        errors=(401, 503),
        notes=(
            "Exempt from the API key but HMAC-checked: 401 on a missing or wrong signature. "
            "Dev-only: 503 (capability disabled) in packaged builds."
        ),
    ),
)  # fmt: skip
