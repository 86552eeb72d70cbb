"""Forven (seed 000): strategies & lifecycle, and the strategies router's live chart series.

Pipeline stages are quick_screen -> research_only -> paper -> live; transitions follow a
forward-only DAG (no move back from paper to research_only), and paper sessions never
auto-promote: they advance through POST /api/lifecycle/transition.
"""

from __future__ import annotations

from codegen.catalog.forven_system import PAGING, forven, path_param
from codegen.model import Param, Response, Route

STAGES = ("quick_screen", "research_only", "paper", "live")
STRATEGY_ID = path_param(arg="strategy_id", what="strategy id")

ROUTES: tuple[Route, ...] = (
    forven(
        "GET", "/api/strategies", "strategies", "list_strategies",
        "List strategies by status/stage; paged.",
        Param("status", "query", enum=("active", "archived")),
        Param("stage", "query", enum=STAGES),
        *PAGING,
        state="implemented",
        resolver="strategies:list_strategies",
        response=Response("page", "Strategy"),
        graphql="strategies",
        notes=(
            "Paged oldest first with keyset cursors: `limit` (default 50, at most 500) and "
            "`cursor` (the previous page's `next_cursor`); `total` counts every match. "
            "Serialized with orjson."
        ),
    ),
    forven(
        "GET", "/api/lifecycle/strategies", "lifecycle", "list_lifecycle_strategies",
        "List by lifecycle state with state/source/symbol/name filters.",
        Param("state", "query", enum=STAGES, arg="stage"),
        Param("source", "query", enum=("manual", "generated", "demo")),
        Param("symbol", "query"),
        Param("name", "query", description="case-insensitive substring of the name"),
        *PAGING,
        state="implemented",
        resolver="strategies:list_strategies",
        response=Response("page", "Strategy"),
        graphql="strategies",
        notes="Same paging as GET /api/strategies; `state` is the lifecycle stage.",
    ),
    forven(
        "GET", "/api/lifecycle/strategies/{id}", "lifecycle", "get_lifecycle_strategy",
        "Lifecycle state plus full history.",
        STRATEGY_ID,
        state="implemented",
        resolver="lifecycle:get_strategy_lifecycle",
        response=Response("one", "StrategyLifecycle"),
        graphql="strategy",
    ),
    forven(
        "POST", "/api/lifecycle/transition", "lifecycle", "transition_strategy",
        "Move a strategy between stages (target paper/live).",
        Param("strategy_id", "body", "int", required=True, minimum=1),
        Param("target", "body", "Stage", required=True),
        Param("reason", "body", default=""),
        errors=(404, 409),
        state="implemented",
        resolver="lifecycle:transition_strategy",
        response=Response("one", "Strategy"),
        graphql="strategy",
        notes=(
            "Forward-only, one stage at a time: quick_screen -> research_only -> paper -> live. "
            "The seed names paper and live as targets; research_only is accepted too so that "
            "a strategy can leave quick_screen over REST. Any other move is 409 "
            "INVALID_TRANSITION and changes nothing."
        ),
    ),
    forven(
        "GET", "/api/lifecycle/strategies/{id}/readiness", "lifecycle", "get_strategy_readiness",
        "The promotion-readiness checklist.",
        STRATEGY_ID,
    ),
    forven(
        "GET", "/api/strategies/{id}/live-signals", "strategies", "list_strategy_live_signals",
        "Live chart series: signals.",
        STRATEGY_ID,
        notes="Listed in the seed's trading table; mounted on the strategies router (its path).",
    ),
    forven(
        "GET", "/api/strategies/{id}/live-indicators", "strategies",
        "list_strategy_live_indicators", "Live chart series: indicator values.",
        STRATEGY_ID,
        notes="Listed in the seed's trading table; mounted on the strategies router (its path).",
    ),
    forven(
        "GET", "/api/strategies/{id}/live-markers", "strategies", "list_strategy_live_markers",
        "Live chart series: entry/exit markers.",
        STRATEGY_ID,
        notes="Listed in the seed's trading table; mounted on the strategies router (its path).",
    ),
)  # fmt: skip
