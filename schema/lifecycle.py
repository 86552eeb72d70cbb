"""A strategy's readiness checklist and live chart series (fields of Strategy)."""

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


@strawberry.type(description="One bar of a strategy's signal chart.")
class StrategySignalPoint:
    ts: datetime
    close: float
    position: int


@strawberry.type(description="A strategy's target position per bar of the chart window.")
class StrategySignals:
    strategy_id: int
    symbol: str
    timeframe: str
    points: list[StrategySignalPoint]

    @classmethod
    def from_result(cls, result: live_series.LiveSignals) -> StrategySignals:
        return cls(
            strategy_id=result.strategy_id,
            symbol=result.symbol,
            timeframe=result.timeframe,
            points=[StrategySignalPoint(ts=p.ts, close=p.close, position=p.position)
                    for p in result.points],
        )  # fmt: skip


@strawberry.type(description="One value of an indicator line; null while the line warms up.")
class StrategyIndicatorPoint:
    ts: datetime
    value: float | None


@strawberry.type(description="One of the family's indicator lines.")
class StrategyIndicatorLine:
    name: str
    points: list[StrategyIndicatorPoint]


@strawberry.type(description="The strategy family's indicator lines over the chart window.")
class StrategyIndicators:
    strategy_id: int
    symbol: str
    timeframe: str
    series: list[StrategyIndicatorLine]

    @classmethod
    def from_result(cls, result: live_series.LiveIndicators) -> StrategyIndicators:
        lines = [
            StrategyIndicatorLine(
                name=line.name,
                points=[StrategyIndicatorPoint(ts=p.ts, value=p.value) for p in line.points],
            )
            for line in result.series
        ]
        return cls(
            strategy_id=result.strategy_id,
            symbol=result.symbol,
            timeframe=result.timeframe,
            series=lines,
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
