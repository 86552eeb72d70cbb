"""Response shapes and enums of the Forven trading routes (merged into codegen/shapes.py).

OpenTrade is the Trade shape (codegen/shapes.py) plus what the venue says about the trade;
its trade fields are read from the resolver's `OpenTrade.trade`.
"""

from __future__ import annotations

from codegen.model import Field, Shape

ENUMS: dict[str, tuple[str, ...]] = {"PaperSessionStatus": ("running", "stopped")}


def _trade(name: str, kind: str, *, nullable: bool = False, attr: str | None = None) -> Field:
    return Field(name, kind, nullable=nullable, attr=f"trade.{attr or name}")


SHAPES: tuple[Shape, ...] = (
    Shape(
        "OpenTrade",
        (
            _trade("id", "int"),
            _trade("strategy_id", "int", nullable=True),
            _trade("agent_id", "str", nullable=True, attr="trading_agent_id"),
            _trade("symbol", "str"),
            _trade("side", "TradeSide"),
            _trade("size", "float"),
            _trade("entry_price", "float"),
            _trade("exit_price", "float", nullable=True),
            _trade("fees", "float"),
            _trade("pnl", "float", nullable=True),
            _trade("status", "TradeStatus"),
            _trade("phase", "Phase"),
            _trade("failure_reason", "str", nullable=True),
            _trade("opened_at", "datetime"),
            _trade("closed_at", "datetime", nullable=True),
            _trade("close_error", "str", nullable=True),
            _trade("paper_session_id", "int", nullable=True),
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
