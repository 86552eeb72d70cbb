"""Forven (seed 000): strategies & lifecycle, and the strategies router's live chart series.

Pipeline stages are quick_screen -> research_only -> paper -> live; transitions follow a
forward-only DAG (no move back from paper to research_only), and paper sessions never
auto-promote: they advance through POST /api/lifecycle/transition.
"""

from __future__ import annotations

from codegen.catalog.forven_system import PAGING, path_param
from codegen.model import Param, Response, Route
from codegen.route import route
from resolvers import lifecycle, live_series, readiness, strategies

STAGES = ("quick_screen", "research_only", "paper", "live")
STRATEGY_ID = path_param(arg="strategy_id", what="strategy id")
BARS = Param("bars", "query", "int", default=200, minimum=1, maximum=2000,
             description="closed bars in the chart window, default 200")  # fmt: skip
CHART_NOTES = (
    "Listed in the seed's trading table; mounted on the strategies router (its path). The "
    "window is the lab market's last `bars` closed bars of the strategy's symbol and timeframe "
    "up to now; values are computed with a warm-up before the window (3x the sum of the "
    "family's window lengths), so the first bars carry settled values."
)
READINESS_NOTES = (
    "The gates of the next stage, each with its current value, threshold and comparison; "
    "POST /api/lifecycle/transition enforces exactly these (409 NOT_READY). "
    "research_only: backtest_trades >= 10. paper: backtest_trades >= 30, backtest_sharpe >= "
    "0.5, backtest_max_drawdown <= 0.25, backtest_profit_factor >= 1.1. The backtest is the "
    "strategy's family and params over the lab market's last 1000 closed bars of its symbol "
    "and timeframe: one position worth 10,000 at the first close, filled at the next open, "
    "10 bps fee per fill and 5 bps slippage; Sharpe from per-bar equity returns annualised "
    "over a 365-day year; drawdown as a fraction of the running peak; profit factor gross "
    "profit / gross loss, null without a losing trade (it then passes when a trade won). "
    "live: paper_closed_trades >= 10 and paper_net_pnl > 0 (the strategy's closed "
    "paper-phase trades), paper_days >= 7 (since it last entered paper, on the lab clock), "
    "live_routing_enabled == true (false while execution is hard-locked to paper, the "
    "default: no strategy can go live then). At live: target null, no gates, ready false."
)

ROUTES: tuple[Route, ...] = (
    route(
        method="GET", path="/api/strategies", api="forven", router="strategies",
        op="list_strategies", summary="List strategies by status/stage; paged.",
        state="implemented", resolver=strategies.list_strategies,
        params=(
            Param("status", "query", enum=("active", "archived")),
            Param("stage", "query", enum=STAGES),
            *PAGING,
        ),
        response=Response("page", "Strategy"), graphql="strategies",
        notes=(
            "Paged oldest first with keyset cursors: `limit` (default 50, at most 500) and "
            "`cursor` (the previous page's `next_cursor`); `total` counts every match. "
            "Serialized with orjson."
        ),
    ),
    route(
        method="GET", path="/api/lifecycle/strategies", api="forven", router="lifecycle",
        op="list_lifecycle_strategies",
        summary="List by lifecycle state with state/source/symbol/name filters.",
        state="implemented", resolver=strategies.list_strategies,
        params=(
            Param("state", "query", enum=STAGES, arg="stage"),
            Param("source", "query", enum=("manual", "generated", "demo")),
            Param("symbol", "query"),
            Param("name", "query", description="case-insensitive substring of the name"),
            *PAGING,
        ),
        response=Response("page", "Strategy"), graphql="strategies",
        notes="Same paging as GET /api/strategies; `state` is the lifecycle stage.",
    ),
    route(
        method="GET", path="/api/lifecycle/strategies/{id}", api="forven", router="lifecycle",
        op="get_lifecycle_strategy", summary="Lifecycle state plus full history.",
        state="implemented", resolver=lifecycle.get_strategy_lifecycle, params=(STRATEGY_ID,),
        response=Response("one", "StrategyLifecycle"), graphql="strategy",
    ),
    route(
        method="POST", path="/api/lifecycle/transition", api="forven", router="lifecycle",
        op="transition_strategy", summary="Move a strategy between stages (target paper/live).",
        state="implemented", resolver=lifecycle.transition_strategy,
        params=(
            Param("strategy_id", "body", "int", required=True, minimum=1),
            Param("target", "body", "Stage", required=True),
            Param("reason", "body", default=""),
        ),
        response=Response("one", "Strategy"), errors=(404, 409), graphql="strategy",
        mutation="transitionStrategy",
        notes=(
            "Forward-only, one stage at a time: quick_screen -> research_only -> paper -> live. "
            "The seed names paper and live as targets; research_only is accepted too so that "
            "a strategy can leave quick_screen over REST. Any other move is 409 "
            "INVALID_TRANSITION. A forward move whose readiness gates fail "
            "(GET /api/lifecycle/strategies/{id}/readiness) is 409 NOT_READY with the "
            "failing gates in `detail.failing`; there is no override. A refusal changes "
            "nothing. Transitions are stamped with the lab clock."
        ),
    ),
    route(
        method="GET", path="/api/lifecycle/strategies/{id}/readiness", api="forven",
        router="lifecycle", op="get_strategy_readiness",
        summary="The promotion-readiness checklist.", state="implemented",
        resolver=readiness.get_strategy_readiness, params=(STRATEGY_ID,),
        response=Response("one", "StrategyReadiness"), errors=(404,), graphql="strategy",
        notes=READINESS_NOTES,
    ),
    route(
        method="GET", path="/api/strategies/{id}/live-signals", api="forven", router="strategies",
        op="list_strategy_live_signals", summary="Live chart series: signals.", state="implemented",
        resolver=live_series.list_strategy_live_signals, params=(STRATEGY_ID, BARS),
        response=Response("one", "StrategySignals"), errors=(404,), graphql="strategy",
        notes=CHART_NOTES + " Each point: the bar's close and the family's target position.",
    ),
    route(
        method="GET", path="/api/strategies/{id}/live-indicators", api="forven",
        router="strategies", op="list_strategy_live_indicators",
        summary="Live chart series: indicator values.", state="implemented",
        resolver=live_series.list_strategy_live_indicators, params=(STRATEGY_ID, BARS),
        response=Response("one", "StrategyIndicators"), errors=(404,), graphql="strategy",
        notes=CHART_NOTES + (
            " The lines are the family's own: ma_cross fast_sma/slow_sma; rsi_reversion rsi "
            "plus its rsi_lower/rsi_upper/rsi_exit levels as constant lines; "
            "donchian_breakout entry_upper/entry_lower/exit_upper/exit_lower (the channels of "
            "the bars before each bar); bollinger_reversion middle/upper/lower; macd_momentum "
            "macd/signal/histogram; squeeze_breakout bb_upper/bb_lower/kc_middle/kc_upper/"
            "kc_lower. Values are null while a line warms up."
        ),
    ),
    route(
        method="GET", path="/api/strategies/{id}/live-markers", api="forven", router="strategies",
        op="list_strategy_live_markers", summary="Live chart series: entry/exit markers.",
        state="implemented", resolver=live_series.list_strategy_live_markers,
        params=(STRATEGY_ID, BARS), response=Response("one", "StrategyMarkers"), errors=(404,),
        graphql="strategy",
        notes=(
            "From the strategy's recorded trades (paper and live): an entry marker at each "
            "opening (entry_price), an exit marker at each closing (exit_price; a failed trade "
            "has none), within the span of the same chart window as live-signals (the first "
            "bar's open time to now), oldest first; at one moment an exit precedes the entry "
            "that reversed it. Mounted on the strategies router (its path)."
        ),
    ),
)  # fmt: skip
