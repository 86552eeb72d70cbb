"""Forven (seed 000): the live WebSocket feed, graceful shutdown and webhooks.

All four are hand-written transport routes, never generated. Shutdown and webhooks are built
(state "transport"). The WebSocket feeds are "planned": their door is served
(rest_compat/live.py checks the keys and closes with 4401/4503), but the feed behind it is not
built, so an authenticated socket is closed with 4501 until the live-feed issue.
"""

from __future__ import annotations

from codegen.catalog.forven_system import forven, path_param
from codegen.model import Route

FEED_NOTES = (
    "Streams price ticks, order fills, indicator updates and regime changes. /api/ws/live and "
    "/ws/live share one handler. Keys by header, or in the connection_init payload / first "
    'message (`{"type": "auth", "x-api-key": ..., "x-operator-key": ...}`) for '
    "browsers; the operator policy guards the feed: close 4401 (a key missing or wrong), 4503 "
    "(no operator key configured). Not built yet: authenticated sockets are closed with 4501."
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
        state="transport",
        status=202,
        errors=(403,),
        notes=(
            "From the loopback interface only (127.0.0.0/8, ::1, IPv4-mapped 127.x), judged by "
            "the peer address; anything else is 403 FORBIDDEN_REMOTE_SHUTDOWN. Exempt from the "
            "API key. Used by the Tauri shell to stop uvicorn. Answers 202 "
            "{\"status\": \"shutting_down\"} first; then every open WebSocket is closed with "
            "1001 (going away), in-flight requests finish (up to TRADEGRAPH_SHUTDOWN_GRACE "
            "seconds), the event bus stops after every finished request has published its "
            "events, and the process exits 0. A repeated request answers 202 again and starts "
            "nothing twice. Hand-written transport route (rest_compat/shutdown.py)."
        ),
    ),
    forven(
        "POST", "/api/webhooks/{name}", "webhooks", "receive_webhook", "Inbound webhook.",
        path_param("name", "str", arg="webhook_name", what="webhook name"),
        auth="hmac",
        state="transport",
        status=202,
        body=True,
        errors=(401, 409, 503),
        notes=(
            "Exempt from the API key but HMAC-checked with FORVEN_WEBHOOK_SECRET. Headers: "
            "X-Forven-Timestamp: <unix seconds> and X-Forven-Signature: sha256=<hex of "
            "HMAC-SHA256(secret, \"<timestamp>.\" + raw body)>. 401 INVALID_WEBHOOK_SIGNATURE "
            "(missing, malformed or wrong headers); 401 WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE "
            "(more than TRADEGRAPH_WEBHOOK_TOLERANCE seconds, default 300, from the server "
            "clock); 409 WEBHOOK_REPLAYED (a signature already accepted, remembered in the "
            "database across restarts and instances); 422 when the name is not 1-64 of "
            "[A-Za-z0-9_-] or the body is not JSON. Dev-only: 503 WEBHOOKS_DISABLED in "
            "packaged builds, 503 WEBHOOK_SECRET_NOT_CONFIGURED without a secret. Accepted: "
            "stored and published as event topic webhook.<name>; 202 "
            "{\"id\": <delivery id>, \"name\": <name>, \"status\": \"accepted\"}. "
            "Hand-written transport route (rest_compat/webhooks.py)."
        ),
    ),
)  # fmt: skip
