"""The Halyrd agent API (seed 002): every row of its endpoint table, roadmap rows included.

Auth: open while the server is loopback-bound and FORVEN_AUTH_REQUIRED is false (as the seed
documents); otherwise reads take the API key and mutations the operator key (DESIGN.md, Auth).
The catalog records the stricter level; the security layer relaxes it on loopback. `/health`
is a Halyrd route like the others (only Forven's `GET /api/health` is always exempt).
"""

from __future__ import annotations

from codegen.model import Param, Response, Route
from codegen.route import route
from resolvers import trades, trading_agents
from resolvers.halyrd import blocks, equity, journal

AGENT_ID = Param("id", "path", "str", required=True, arg="agent_id",
                 description="agent id, or `current` for the running agent")  # fmt: skip


ROUTES: tuple[Route, ...] = (
    route(
        method="GET", path="/health", api="halyrd", router="halyrd", op="halyrd_health",
        summary="Backend health check.", state="transport", response=Response("one", "Health"),
    ),
    route(
        method="GET", path="/agents", api="halyrd", router="halyrd", op="list_agents",
        summary="Every trading agent (one today).", state="implemented",
        resolver=trading_agents.list_trading_agents, response=Response("list", "Agent"),
        graphql="tradingAgents",
    ),
    route(
        method="GET", path="/agents/current", api="halyrd", router="halyrd", op="get_current_agent",
        summary="The running agent (alias of its id).", state="implemented",
        resolver=trading_agents.get_trading_agent_view, fixed=(("agent_id", "current"),),
        response=Response("one", "Agent"), errors=(404,), graphql="tradingAgent",
    ),
    route(
        method="GET", path="/agents/{id}", api="halyrd", router="halyrd", op="get_agent",
        summary="One agent: id, name, status, phase, market_mode, last_heartbeat.",
        state="implemented", resolver=trading_agents.get_trading_agent_view, params=(AGENT_ID,),
        response=Response("one", "Agent"), graphql="tradingAgent",
    ),
    route(
        method="GET", path="/agents/{id}/equity", api="halyrd", router="halyrd",
        op="get_agent_equity", summary="Equity snapshots, optionally resampled.",
        state="implemented", resolver=equity.list_equity,
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
    route(
        method="GET", path="/agents/{id}/trades", api="halyrd", router="halyrd",
        op="list_agent_trades", summary="The agent's trades by phase.", state="implemented",
        resolver=trades.list_agent_trades,
        params=(
            AGENT_ID,
            Param("phase", "query", "str", default="all", enum=("paper", "live", "all")),
        ),
        response=Response("list", "Trade"),
    ),
    route(
        method="GET", path="/agents/{id}/journal", api="halyrd", router="halyrd",
        op="get_agent_journal", summary="Journal entries, cursor-paginated.", state="implemented",
        resolver=journal.page_journal,
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
        notes=(
            "Newest first. Cursors are keyset positions: entries appended while a client pages "
            "appear above its cursor (read them with a fresh first page), so following "
            "next_cursor never repeats or skips an entry. A cursor this route did not issue "
            "is 422 INVALID_CURSOR."
        ),
    ),
    route(
        method="GET", path="/agents/{id}/risk/blocks", api="halyrd", router="halyrd",
        op="list_agent_risk_blocks", summary="Refused orders: ts, layer, rule, reason, order_ref.",
        state="implemented", resolver=blocks.list_blocks_view,
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
        notes=(
            "Newest first. The seed documents no parameters; `limit` (not in the seed) bounds "
            "the answer, and each block also names the error `code` its order answered with."
        ),
    ),
)  # fmt: skip
