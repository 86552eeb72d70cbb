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
    ),
    forven(
        "GET", "/api/trades/recent", "trades", "list_recent_trades", "Recent trades.",
        notes="How many count as recent (and any limit param) is not documented.",
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
            "params."
        ),
    ),
    forven(
        "POST", "/api/trades/{id}/force-close", "trades", "force_close_trade",
        "Force-close a position.",
        TRADE_ID,
        errors=(502,),
        notes=(
            "502 Bad Gateway (not 400) when the close fails on the exchange: the position may "
            "still be open. Re-verify with GET /api/trades (or /api/trades/open?verify=true); "
            "when unsure, mark-failed is the safer call."
        ),
    ),
    forven(
        "POST", "/api/trades/{id}/mark-failed", "trades", "mark_trade_failed",
        "Record a trade as failed and free its capital.",
        TRADE_ID,
    ),
    forven(
        "GET", "/api/paper/sessions", "paper", "list_paper_sessions",
        "List paper sessions (optional deployed filter).",
        Param("deployed", "query", "bool"),
    ),
    forven(
        "POST", "/api/paper/service/start", "paper", "start_paper_service",
        "Start the paper trading service.",
        notes="The service is global: starting it stops any prior session.",
    ),
    forven(
        "POST", "/api/paper/service/stop", "paper", "stop_paper_service",
        "Stop the paper trading service.",
    ),
    forven(
        "GET", "/api/paper/sessions/{id}/trades", "paper", "list_paper_session_trades",
        "Trades for a paper session.",
        path_param(arg="session_id", what="paper session id"),
        notes="Paper sessions never auto-promote; advance via POST /api/lifecycle/transition.",
    ),
)  # fmt: skip
