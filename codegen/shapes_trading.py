"""Response shapes and enums of the Forven trading routes (merged into codegen/shapes.py).

OpenTrade is the Trade shape (codegen/shapes.py) plus what the venue says about the trade;
its trade fields are read from the resolver's `OpenTrade.trade`.
"""

from __future__ import annotations

from dataclasses import replace

from codegen.model import Field, Shape

ENUMS: dict[str, tuple[str, ...]] = {"PaperSessionStatus": ("running", "stopped")}


# The Trade shape's fields (codegen/shapes.py), kept here so that OpenTrade extends them
TRADE_FIELDS: tuple[Field, ...] = (
    Field("id", "int"),
    Field("strategy_id", "int", nullable=True),
    Field("agent_id", "str", nullable=True, attr="trading_agent_id"),
    Field("symbol", "str"),
    Field("side", "TradeSide"),
    Field("size", "float"),
    Field("entry_price", "float"),
    Field("exit_price", "float", nullable=True),
    Field("fees", "float"),
    Field("pnl", "float", nullable=True),
    Field("status", "TradeStatus"),
    Field("phase", "Phase"),
    Field("failure_reason", "str", nullable=True),
    Field("opened_at", "datetime"),
    Field("closed_at", "datetime", nullable=True),
    Field(
        "close_error",
        "str",
        nullable=True,
        description="the last failed close on the exchange while the trade stays open "
        "(it may still be open there); cleared by a successful close",
    ),
    Field(
        "paper_session_id",
        "int",
        nullable=True,
        description="the paper session that opened it",
    ),
)


def _of_trade(field: Field) -> Field:
    """A Trade field read from the resolver's `OpenTrade.trade`."""
    return replace(field, attr=f"trade.{field.source_attr}")


SHAPES: tuple[Shape, ...] = (
    Shape(
        "OpenTrade",
        (
            *(_of_trade(field) for field in TRADE_FIELDS),
            Field(
                "exchange_verified",
                "bool",
                nullable=True,
                description="true when the venue holds this trade's position (same symbol, "
                "side and size), false when not; null when not verified (verify=false, or a "
                "trading agent's trade, held on its own book)",
            ),
            Field(
                "exchange_detail",
                "str",
                nullable=True,
                description="what the venue holds instead, or why it was not verified",
            ),
        ),
        "An open trade, optionally re-verified against the exchange.",
    ),
    Shape(
        "PaperSession",
        (
            Field("id", "int"),
            Field("status", "PaperSessionStatus"),
            Field("deployed", "bool", description="true while the session is running"),
            Field("strategy_ids", "list[int]", description="the strategies it deploys"),
            Field("capital", "float", description="the paper account's cash at its start"),
            Field("started_at", "datetime"),
            Field("stopped_at", "datetime", nullable=True),
            Field("stop_reason", "str"),
            Field("last_tick_at", "datetime", nullable=True),
            Field("ticks", "int"),
            Field("trade_count", "int", description="trades it opened"),
            Field("open_trade_count", "int", description="of those, still open"),
            Field("realized_pnl", "float", description="net pnl of its closed trades"),
        ),
        "One run of the global paper trading service.",
    ),
)

__all__ = ["ENUMS", "Field", "SHAPES", "Shape"]
