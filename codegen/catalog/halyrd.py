"""The Halyrd agent API (seed 002): every row of its endpoint table, roadmap rows included.

Auth: open while the server is loopback-bound and FORVEN_AUTH_REQUIRED is false (as the seed
documents); otherwise reads take the API key and mutations the operator key (DESIGN.md, Auth).
The catalog records the stricter level; the security layer relaxes it on loopback. `/health`
is a Halyrd route like the others (only Forven's `GET /api/health` is always exempt).
"""

from __future__ import annotations

from codegen.model import Param, Response, Route

AGENT_ID = Param("id", "path", "str", required=True, arg="agent_id",
                 description="agent id, or `current` for the running agent")  # fmt: skip
READ_ERRORS = (401, 404, 422)


ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/health",
        "halyrd",
        "halyrd",
        "Backend health check.",
        "api",
        "halyrd_health",
        state="transport",
        response=Response("one", "Health"),
    ),  # fmt: skip
    Route(
        "GET",
        "/agents",
        "halyrd",
        "halyrd",
        "Every trading agent (one today).",
        "api",
        "list_agents",
        state="implemented",
        resolver="trading_agents:list_trading_agents",
        response=Response("list", "Agent"),
        errors=(401, 422),
        graphql="tradingAgents",
    ),  # fmt: skip
    Route(
        "GET",
        "/agents/current",
        "halyrd",
        "halyrd",
        "The running agent (alias of its id).",
        "api",
        "get_current_agent",
        state="implemented",
        resolver="trading_agents:get_trading_agent_view",
        fixed=(("agent_id", "current"),),
        response=Response("one", "Agent"),
        errors=(401, 404, 422),
        graphql="tradingAgent",
    ),  # fmt: skip
    Route(
        "GET",
        "/agents/{id}",
        "halyrd",
        "halyrd",
        "One agent: id, name, status, phase, market_mode, last_heartbeat.",
        "api",
        "get_agent",
        state="implemented",
        resolver="trading_agents:get_trading_agent_view",
        params=(AGENT_ID,),
        response=Response("one", "Agent"),
        errors=READ_ERRORS,
        graphql="tradingAgent",
    ),  # fmt: skip
    Route(
        "GET",
        "/agents/{id}/equity",
        "halyrd",
        "halyrd",
        "Equity snapshots, optionally resampled.",
        "api",
        "get_agent_equity",
        state="implemented",
        resolver="halyrd.equity:list_equity",
        params=(
            AGENT_ID,
            Param(
                "from",
                "query",
                "datetime",
                arg="start",
                description="first time included (ISO 8601; no offset means UTC)",
            ),
            Param("to", "query", "datetime", arg="end", description="last time included"),
            Param(
                "interval",
                "query",
                "str",
                description="resample bucket <n><unit>, unit s|m|h|d|w, e.g. 5m, 1h, 1d",
            ),
        ),
        response=Response("list", "EquitySnapshot"),
        errors=READ_ERRORS,
        notes=(
            "Oldest first; `from` and `to` inclusive. With `interval`, buckets are aligned to "
            "the Unix epoch in UTC and each is answered by its last snapshot: that snapshot's "
            "own ts (not the bucket start), equity and phase, with dd_from_peak recomputed "
            "against the peak of the agent's whole history up to it (highs before `from` and "
            "inside the bucket count; nothing is averaged); empty buckets are left out. At "
            "most 100,000 points: more raw snapshots, or more buckets between the first and "
            "last snapshot in range, answer 422 TOO_MANY_POINTS."
        ),
    ),
    Route(
        "GET",
        "/agents/{id}/trades",
        "halyrd",
        "halyrd",
        "The agent's trades by phase.",
        "api",
        "list_agent_trades",
        state="implemented",
        resolver="trades:list_agent_trades",
        params=(
            AGENT_ID,
            Param("phase", "query", "str", default="all", enum=("paper", "live", "all")),
        ),
        response=Response("list", "Trade"),
        errors=READ_ERRORS,
    ),  # fmt: skip
    Route(
        "GET",
        "/agents/{id}/journal",
        "halyrd",
        "halyrd",
        "Journal entries, cursor-paginated.",
        "api",
        "get_agent_journal",
        state="implemented",
        resolver="halyrd.journal:page_journal",
        params=(
            AGENT_ID,
            Param("cursor", "query", "str", description="the previous page's next_cursor"),
            Param(
                "limit",
                "query",
                "int",
                minimum=1,
                maximum=500,
                description="page size, default 50, max 500",
            ),
        ),
        response=Response("one", "JournalPage"),
        errors=READ_ERRORS,
        notes=(
            "Newest first. Cursors are keyset positions: entries appended while a client pages "
            "appear above its cursor (read them with a fresh first page), so following "
            "next_cursor never repeats or skips an entry. A cursor this route did not issue "
            "is 422 INVALID_CURSOR."
        ),
    ),
    Route(
        "GET",
        "/agents/{id}/risk/blocks",
        "halyrd",
        "halyrd",
        "Refused orders: ts, layer, rule, reason, order_ref.",
        "api",
        "list_agent_risk_blocks",
        state="implemented",
        resolver="halyrd.blocks:list_blocks_view",
        params=(
            AGENT_ID,
            Param(
                "limit",
                "query",
                "int",
                minimum=1,
                maximum=500,
                description="how many of the most recent blocks, default 100, max 500",
            ),
        ),
        response=Response("list", "RiskBlock"),
        errors=READ_ERRORS,
        notes=(
            "Newest first. The seed documents no parameters; `limit` (not in the seed) bounds "
            "the answer, and each block also names the error `code` its order answered with."
        ),
    ),
)
