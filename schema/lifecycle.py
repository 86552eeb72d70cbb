"""A strategy's readiness checklist and live chart markers (fields of Strategy).

Hand-written, not generated: REST describes them as shapes (codegen/shapes_lifecycle.py), since
their string enums are Strings here. The signals and indicators are generated from their views
(schema/generated/live_series.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry

from resolvers import live_series
from resolvers.readiness import Gate, Readiness
from schema.enums import Stage, TradeSide
from schema.scalars import JSON


@strawberry.type(description="One promotion gate: its current value against its threshold.")
class ReadinessGate:
    name: str
    description: str
    value: JSON | None = strawberry.field(description="a number or a boolean; null if undefined")
    threshold: JSON
    comparison: str = strawberry.field(description="one of >=, <=, >, ==")
    passed: bool

    @classmethod
    def from_gate(cls, gate: Gate) -> ReadinessGate:
        return cls(
            name=gate.name,
            description=gate.description,
            value=cast(JSON, gate.value),
            threshold=cast(JSON, gate.threshold),
            comparison=gate.comparison,
            passed=gate.passed,
        )


@strawberry.type(description="The checklist a transition to the next stage enforces.")
class StrategyReadiness:
    strategy_id: int
    stage: Stage
    target: Stage | None = strawberry.field(description="the next stage; null at live")
    ready: bool
    gates: list[ReadinessGate]

    @classmethod
    def from_result(cls, result: Readiness) -> StrategyReadiness:
        return cls(
            strategy_id=result.strategy_id,
            stage=Stage(result.stage),
            target=Stage(result.target) if result.target else None,
            ready=result.ready,
            gates=[ReadinessGate.from_gate(g) for g in result.gates],
        )


@strawberry.type(description="An entry or exit of one of the strategy's trades.")
class StrategyMarker:
    ts: datetime
    kind: str = strawberry.field(description="entry or exit")
    side: TradeSide
    price: float
    trade_id: int


@strawberry.type(description="Entry and exit markers within the chart window, oldest first.")
class StrategyMarkers:
    strategy_id: int
    markers: list[StrategyMarker]

    @classmethod
    def from_result(cls, result: live_series.LiveMarkers) -> StrategyMarkers:
        markers = [
            StrategyMarker(
                ts=m.ts, kind=m.kind, side=TradeSide(m.side), price=m.price, trade_id=m.trade_id
            )
            for m in result.markers
        ]
        return cls(strategy_id=result.strategy_id, markers=markers)
