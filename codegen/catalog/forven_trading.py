"""Forven (seed 000): trading & emergency controls, and paper trading.

Live routing targets HyperLiquid; beta builds hard-lock to paper. The paper service is global,
not per-strategy: starting it stops any prior session.
"""

from __future__ import annotations

from codegen.catalog.forven_system import PAGING, forven, path_param
from codegen.model import Param, Response, Route

TRADE_ID = path_param(arg="trade_id", what="trade id")

ROUTES: tuple[Route, ...] = (
    forven(
        "GET", "/api/trades/open", "trades", "list_open_trades",
        "Open trades, optionally re-verified against the exchange.",
        Param("verify", "query", "bool", default=False,
              description="re-verify each open trade against the exchange"),
        state="implemented",
        resolver="trades:list_open_trades",
        response=Response("list", "OpenTrade"),
        graphql="openTrades",
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
    forven(
        "GET", "/api/trades/recent", "trades", "list_recent_trades", "Recent trades.",
        Param("limit", "query", "int", default=50, minimum=1, maximum=500,
              description="how many, default 50, max 500"),
        state="implemented",
        resolver="trades:list_recent_trades",
        response=Response("list", "Trade"),
        graphql="recentTrades",
        notes=(
            "The seed does not say how many count as recent: the `limit` (default 50) trades "
            "with the latest activity, newest first, across statuses and owners. Activity is "
            "`closed_at` once a trade has left the open state (closed or failed), else "
            "`opened_at`."
        ),
    ),
    forven(
        "GET", "/api/trades", "trades", "list_trades",
        "The full trade ledger (paged by status).",
        Param("status", "query", "TradeStatus"),
        *PAGING,
        state="implemented",
        resolver="trades:list_trades",
        response=Response("page", "Trade"),
        graphql="trades",
        notes=(
            "Paged oldest first with keyset cursors: `limit` and `cursor` (the previous page's "
            "`next_cursor`); `total` counts every match. The seed does not name its paging "
            "params. An open trade with `close_error` set is possibly still open on the "
            "exchange after a failed force-close."
        ),
    ),
    forven(
        "POST", "/api/trades/{id}/force-close", "trades", "force_close_trade",
        "Force-close a position.",
        TRADE_ID,
        errors=(409, 502),
        state="implemented",
        resolver="trades:force_close_trade",
        response=Response("one", "Trade"),
        graphql="trade",
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
    forven(
        "POST", "/api/trades/{id}/mark-failed", "trades", "mark_trade_failed",
        "Record a trade as failed and free its capital.",
        TRADE_ID,
        Param("reason", "body", default="", description="why (default: marked failed by the "
              "operator); at most 500 characters"),
        errors=(409,),
        state="implemented",
        resolver="trades:mark_trade_failed",
        response=Response("one", "Trade"),
        graphql="trade",
        notes=(
            "The body is optional. The trade becomes `failed` with the reason and a "
            "`closed_at`, without pnl; it no longer counts as open, which frees what it held "
            "in the ledger (the strategy's allocation, a trading agent's account). The "
            "exchange is not touched: a position the venue still holds for the trade stays "
            "there, and reconciliation reports it as unknown_on_exchange. 409 TRADE_NOT_OPEN "
            "for a trade already closed or failed."
        ),
    ),
    forven(
        "GET", "/api/paper/sessions", "paper", "list_paper_sessions",
        "List paper sessions (optional deployed filter).",
        Param("deployed", "query", "bool",
              description="true: the running session; false: the stopped ones"),
        *PAGING,
        state="implemented",
        resolver="paper:list_paper_sessions",
        response=Response("page", "PaperSession"),
        graphql="paperSessions",
        notes=(
            "Paged oldest first with keyset cursors, like GET /api/trades. A session is "
            "deployed while it runs; at most one runs at a time. `trade_count`, "
            "`open_trade_count` and `realized_pnl` count the trades it opened."
        ),
    ),
    forven(
        "POST", "/api/paper/service/start", "paper", "start_paper_service",
        "Start the paper trading service.",
        Param("strategy_ids", "body", "json",
              description="ids of active strategies at stage paper to deploy; default: all"),
        errors=(404, 409),
        state="implemented",
        resolver="paper:start_paper_service",
        response=Response("one", "PaperSession"),
        graphql="paperSession",
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
    forven(
        "POST", "/api/paper/service/stop", "paper", "stop_paper_service",
        "Stop the paper trading service.",
        Param("reason", "body", default="", description="recorded as the stop_reason"),
        errors=(409,),
        state="implemented",
        resolver="paper:stop_paper_service",
        response=Response("one", "PaperSession"),
        graphql="paperSession",
        notes=(
            "Answers the stopped session. Open positions stay open (force-close or mark-failed "
            "them, or start a session that deploys their strategies again). 409 "
            "PAPER_SERVICE_NOT_RUNNING when no session runs; nothing changes."
        ),
    ),
    forven(
        "GET", "/api/paper/sessions/{id}/trades", "paper", "list_paper_session_trades",
        "Trades for a paper session.",
        path_param(arg="session_id", what="paper session id"),
        *PAGING,
        state="implemented",
        resolver="paper:list_paper_session_trades",
        response=Response("page", "Trade"),
        graphql="trades",
        notes=(
            "The trades the session opened, paged oldest first like GET /api/trades. Paper "
            "sessions never auto-promote; advance via POST /api/lifecycle/transition."
        ),
    ),
)  # fmt: skip
