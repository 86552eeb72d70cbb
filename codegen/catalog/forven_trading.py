"""Forven (seed 000): trading & emergency controls, and paper trading.

Live routing targets HyperLiquid; beta builds hard-lock to paper. The paper service is global,
not per-strategy: starting it stops any prior session.
"""

from __future__ import annotations

from codegen.catalog.forven_system import PAGING, path_param
from codegen.model import Param, Response, Route
from codegen.route import route
from resolvers import paper, trades

TRADE_ID = path_param(arg="trade_id", what="trade id")

ROUTES: tuple[Route, ...] = (
    route(
        method="GET", path="/api/trades/open", api="forven", router="trades", op="list_open_trades",
        summary="Open trades, optionally re-verified against the exchange.", state="implemented",
        resolver=trades.list_open_trades,
        params=(
            Param("verify", "query", "bool", default=False,
                  description="re-verify each open trade against the exchange"),
        ),
        response=Response("list", "OpenTrade"), graphql="openTrades",
        notes=(
            "Every open trade, oldest first (not paged: the open book is small). Each item is "
            "the Trade shape plus `exchange_verified` and `exchange_detail`: with "
            "`verify=true` a strategy's trade is verified when the paper exchange holds a "
            "position for it with the same symbol, side and size, else false with what the "
            "venue holds instead; a trading agent's trade is held on its agent's own book and "
            "stays null. A trade with `close_error` set had a close fail: it may still be "
            "open on the venue. Reading never changes anything; POST "
            "/api/system/exchange/reconcile repairs differences."
        ),
    ),
    route(
        method="GET", path="/api/trades/recent", api="forven", router="trades",
        op="list_recent_trades", summary="Recent trades.", state="implemented",
        resolver=trades.list_recent_trades,
        params=(
            Param("limit", "query", "int", default=50, minimum=1, maximum=500,
                  description="how many, default 50, max 500"),
        ),
        response=Response("list", "Trade"), graphql="recentTrades",
        notes=(
            "The seed does not say how many count as recent: the `limit` (default 50) trades "
            "with the latest activity, newest first, across statuses and owners. Activity is "
            "`closed_at` once a trade has left the open state (closed or failed), else "
            "`opened_at`."
        ),
    ),
    route(
        method="GET", path="/api/trades", api="forven", router="trades", op="list_trades",
        summary="The full trade ledger (paged by status).", state="implemented",
        resolver=trades.list_trades, params=(Param("status", "query", "TradeStatus"), *PAGING),
        response=Response("page", "Trade"), graphql="trades",
        notes=(
            "Paged oldest first with keyset cursors: `limit` and `cursor` (the previous page's "
            "`next_cursor`); `total` counts every match. The seed does not name its paging "
            "params. An open trade with `close_error` set is possibly still open on the "
            "exchange after a failed force-close."
        ),
    ),
    route(
        method="POST", path="/api/trades/{id}/force-close", api="forven", router="trades",
        op="force_close_trade", summary="Force-close a position.", state="implemented",
        resolver=trades.force_close_trade, params=(TRADE_ID,), response=Response("one", "Trade"),
        errors=(409, 502), graphql="trade",
        mutation="forceCloseTrade",
        notes=(
            "Sends a market close for the trade's position to the paper exchange and closes "
            "the trade at the fill (pnl net of both legs' fees); answers the closed trade. "
            "502 Bad Gateway (not 400) when the close fails on the exchange: code "
            "EXCHANGE_CLOSE_FAILED when the venue did not close, EXCHANGE_POSITION_MISSING "
            "when it holds no position for the trade. Either way the trade stays `open` with "
            "`close_error` and `close_attempted_at` recorded (kept although the request "
            "failed): the position may still be open. Re-verify with GET /api/trades (or "
            "/api/trades/open?verify=true); when unsure, mark-failed is the safer call. 409 "
            "TRADE_NOT_OPEN for a trade that is closed or failed; 409 AGENT_TRADE for a "
            "Halyrd trading agent's trade (its own book holds it: POST /agents/{id}/orders)."
        ),
    ),
    route(
        method="POST", path="/api/trades/{id}/mark-failed", api="forven", router="trades",
        op="mark_trade_failed", summary="Record a trade as failed and free its capital.",
        state="implemented", resolver=trades.mark_trade_failed,
        params=(
            TRADE_ID,
            Param("reason", "body", default="", description="why (default: marked failed by the "
                  "operator); at most 500 characters"),
        ),
        response=Response("one", "Trade"), errors=(409,), graphql="trade",
        mutation="markTradeFailed",
        notes=(
            "The body is optional. The trade becomes `failed` with the reason and a "
            "`closed_at`, without pnl; it no longer counts as open, which frees what it held "
            "in the ledger (the strategy's allocation, a trading agent's account). The "
            "exchange is not touched: a position the venue still holds for the trade stays "
            "there, and reconciliation reports it as unknown_on_exchange. 409 TRADE_NOT_OPEN "
            "for a trade already closed or failed."
        ),
    ),
    route(
        method="GET", path="/api/paper/sessions", api="forven", router="paper",
        op="list_paper_sessions", summary="List paper sessions (optional deployed filter).",
        state="implemented", resolver=paper.list_paper_sessions,
        params=(
            Param("deployed", "query", "bool",
                  description="true: the running session; false: the stopped ones"),
            *PAGING,
        ),
        response=Response("page", "PaperSession"), graphql="paperSessions",
        notes=(
            "Paged oldest first with keyset cursors, like GET /api/trades. A session is "
            "deployed while it runs; at most one runs at a time. `trade_count`, "
            "`open_trade_count` and `realized_pnl` count the trades it opened."
        ),
    ),
    route(
        method="POST", path="/api/paper/service/start", api="forven", router="paper",
        op="start_paper_service", summary="Start the paper trading service.", state="implemented",
        resolver=paper.start_paper_service,
        params=(
            Param("strategy_ids", "body", "json", schema=list[int],
                  description="ids of active strategies at stage paper to deploy; default: all"),
        ),
        response=Response("one", "PaperSession"), errors=(404, 409), graphql="paperSession",
        mutation="startPaperService",
        notes=(
            "The service is global: starting it stops any prior session (stop_reason "
            "`replaced by session N`) and answers 200 with the new running session. The body "
            "is optional: without `strategy_ids` every active strategy at stage paper is "
            "deployed (422 NO_PAPER_STRATEGIES when there is none); a listed id that does not "
            "exist is 404, one not active at stage paper 422 STRATEGY_NOT_PAPER. Its capital "
            "is the paper account's cash (422 INSUFFICIENT_CAPITAL when there is none); each "
            "strategy trades capital x 0.5 / strategies. 409 PAPER_SERVICE_BUSY while another "
            "instance changes or steps the service (PostgreSQL). "
            "Open trades of a redeployed strategy carry over to the new session. The session "
            "trades on the scheduler's paper_tick job and resumes after a server restart."
        ),
    ),
    route(
        method="POST", path="/api/paper/service/stop", api="forven", router="paper",
        op="stop_paper_service", summary="Stop the paper trading service.", state="implemented",
        resolver=paper.stop_paper_service,
        params=(Param("reason", "body", default="", description="recorded as the stop_reason"),),
        response=Response("one", "PaperSession"), errors=(409,), graphql="paperSession",
        mutation="stopPaperService",
        notes=(
            "Answers the stopped session. Open positions stay open (force-close or mark-failed "
            "them, or start a session that deploys their strategies again). 409 "
            "PAPER_SERVICE_NOT_RUNNING when no session runs; nothing changes."
        ),
    ),
    route(
        method="GET", path="/api/paper/sessions/{id}/trades", api="forven", router="paper",
        op="list_paper_session_trades", summary="Trades for a paper session.", state="implemented",
        resolver=paper.list_paper_session_trades,
        params=(path_param(arg="session_id", what="paper session id"), *PAGING),
        response=Response("page", "Trade"), graphql="trades",
        notes=(
            "The trades the session opened, paged oldest first like GET /api/trades. Paper "
            "sessions never auto-promote; advance via POST /api/lifecycle/transition."
        ),
    ),
)  # fmt: skip
