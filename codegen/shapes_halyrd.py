"""The Halyrd backtest shapes that are not views yet: GraphQL's createBacktest answers the
whole Backtest where REST answers BacktestCreated, and GraphQL types Backtest.id an Int; every
other Halyrd object is a view (resolvers/halyrd/, resolvers/agent_roster.py)."""

from __future__ import annotations

from codegen.model import Field, Shape

HALYRD_SHAPES: tuple[Shape, ...] = (
    Shape("BacktestCreated", (Field("backtest_id", "int", attr="id"),), "A stored backtest."),
    Shape(
        "Backtest",
        (
            Field("id", "int"),
            Field("status", "str", enum=("completed", "failed")),
            Field("agent_id", "str", nullable=True, attr="trading_agent_id"),
            Field("spec", "json"),
            Field("dataset", "json"),
            Field("result", "json", description="metrics: net_pnl, return_pct, max_drawdown, ..."),
            Field("gates", "json", description="[{rule, value, limit, passed}]"),
            Field("passed", "bool"),
            Field("created_at", "datetime"),
            Field("finished_at", "datetime", nullable=True),
        ),
        "A backtest and its gate status.",
    ),
)
