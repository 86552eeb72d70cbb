"""Forven (seed 000): the live WebSocket feed, graceful shutdown and webhooks.

All four are hand-written transport routes (state "transport"), never generated: the feed is
rest_compat/live.py over the outbox and the event bus, its GraphQL twin the `liveFeed`
subscription (schema/live.py).
"""

from __future__ import annotations

from codegen.catalog.forven_system import path_param
from codegen.model import Route
from codegen.route import route

FEED_NOTES = (
    "Streams price ticks, order fills, indicator updates and regime changes as JSON text "
    'frames `{"id", "type": "tick"|"fill"|"indicator"|"regime", "ts", "symbol", '
    '"strategy_id", "data"}`; `id` is the event\'s outbox id (monotonic, for resuming), '
    "`ts` market time. data: tick {price (venue mid), bid, ask}; fill {trade_id, session_id, "
    "kind open|close, side, size, price, fee}; indicator {bar_ts, position -1|0|1, values}; "
    "regime {bar_ts, previous (null for the first regime seen), current}. /api/ws/live and "
    "/ws/live share one handler. Keys by header, or in a first message "
    '(`{"type": "auth", "x-api-key": ..., "x-operator-key": ...}`) for browsers; the operator '
    "policy guards the feed: close 4401 (a key missing or wrong), 4503 (no operator key "
    "configured). Query, all optional: types=tick,fill; symbols=BTC-USD,ETH-USD; "
    "strategies=3,7 (a strategy keeps its fills and indicator updates plus the ticks and "
    "regime changes of its symbol); since=<id> replays stored events after that id, then "
    "streams live. Bad parameters close 4422 (4404: unknown strategy) with `CODE: message` as "
    'the reason. First frame `{"type": "subscribed", "since", "types", "symbols", '
    '"strategies"}` once the subscription is open. Client messages: `{"type": "subscribe", '
    '"types": [...], "symbols": [...], "strategies": [...]}` replaces the subset from the last '
    'event sent (nothing lost); `{"type": "ping"}` answers `{"type": "pong"}`; anything else '
    'gets `{"type": "error", "code", "detail"}` and the socket stays open. Ticks come from the '
    "scheduler's market_ticks job (TRADEGRAPH_TICK_SYMBOLS plus the symbols of paper and live "
    "strategies), regime changes once confirmed on a closed hourly bar, fills and indicator "
    "updates from the paper service. A slow client never delays the others: its bounded "
    "queue falls back to reading the events table. GraphQL: subscription liveFeed(types, "
    "symbols, strategyIds, since)."
)

ROUTES: tuple[Route, ...] = (
    route(
        method="WS", path="/api/ws/live", api="forven", router="live", op="stream_live_feed",
        summary="Live feed (primary endpoint).", state="transport", errors=(404, 422),
        notes=FEED_NOTES,
    ),
    route(
        method="WS", path="/ws/live", api="forven", router="live", op="stream_live_feed_alias",
        summary="Live feed (alias of /api/ws/live).", state="transport", errors=(404, 422),
        notes=FEED_NOTES,
    ),
    route(
        method="POST", path="/api/shutdown", api="forven", router="system", op="shutdown_server",
        summary="Graceful shutdown.", auth="loopback", state="transport", status=202, errors=(403,),
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
    route(
        method="POST", path="/api/webhooks/{name}", api="forven", router="webhooks",
        op="receive_webhook", summary="Inbound webhook.", auth="hmac", state="transport",
        params=(path_param("name", "str", arg="webhook_name", what="webhook name"),), body=True,
        status=202, errors=(401, 409, 503),
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
