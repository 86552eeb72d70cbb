"""Response shapes and enums of the Forven lifecycle routes (merged into codegen/shapes.py).

Still shapes, not views: the readiness gate's `comparison` and the marker's `kind` are inline
enums in REST but Strings in GraphQL, which a view's `Choices` cannot say.
"""

from __future__ import annotations

from codegen.model import Field, Shape

ENUMS: dict[str, tuple[str, ...]] = {}

SHAPES: tuple[Shape, ...] = (
    Shape(
        "ReadinessGate",
        (
            Field("name", "str"),
            Field("description", "str"),
            Field(
                "value",
                "json",
                nullable=True,
                description="the current figure (a number or a boolean); null when undefined",
            ),
            Field("threshold", "json", description="the number or boolean it is held against"),
            Field("comparison", "str", enum=(">=", "<=", ">", "==")),
            Field("passed", "bool"),
        ),
        "One promotion gate: its current value against its threshold.",
    ),
    Shape(
        "StrategyReadiness",
        (
            Field("strategy_id", "int"),
            Field("stage", "Stage"),
            Field("target", "Stage", nullable=True, description="the next stage; null at live"),
            Field("ready", "bool", description="every gate passes (false at live)"),
            Field("gates", "list[ReadinessGate]"),
        ),
        "The checklist a transition to the next stage enforces.",
    ),
    Shape(
        "StrategyMarker",
        (
            Field("ts", "datetime"),
            Field("kind", "str", enum=("entry", "exit")),
            Field("side", "TradeSide", description="the trade's side (an exit closes it)"),
            Field("price", "float", description="entry or exit price"),
            Field("trade_id", "int"),
        ),
        "An entry or exit of one of the strategy's trades.",
    ),
    Shape(
        "StrategyMarkers",
        (Field("strategy_id", "int"), Field("markers", "list[StrategyMarker]")),
        "Entry and exit markers within the chart window, oldest first.",
    ),
)

__all__ = ["ENUMS", "Field", "SHAPES", "Shape"]
