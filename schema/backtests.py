"""Backtests of a StrategySpec on a dataset, gated by the evaluation objectives; indicators."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry

from resolvers.backtests import create_backtest, get_backtest
from resolvers.indicators import list_indicators
from schema.generated import indicators as halyrd_indicators
from schema.scalars import JSON
from storage.halyrd import Backtest as BacktestRow


@strawberry.type(description="A finished backtest: metrics, and each gate with its limit.")
class Backtest:
    id: int
    status: str
    agent_id: str | None
    spec: JSON
    dataset: JSON
    result: JSON
    gates: JSON
    passed: bool
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_row(cls, row: BacktestRow) -> Backtest:
        return cls(
            id=row.id,
            status=row.status,
            agent_id=row.trading_agent_id,
            spec=cast(JSON, row.spec),
            dataset=cast(JSON, row.dataset),
            result=cast(JSON, row.result),
            gates=cast(JSON, row.gates),
            passed=row.passed,
            created_at=row.created_at,
            finished_at=row.finished_at,
        )


Indicator = halyrd_indicators.Indicator


@strawberry.input
class CreateBacktestInput:
    spec: JSON = strawberry.field(description="family, params, market_mode, interval_seconds")
    dataset: JSON | None = None
    agent_id: strawberry.ID | None = None
    starting_capital: float | None = None


@strawberry.type
class BacktestQuery:
    @strawberry.field
    async def backtest(self, info: strawberry.Info, id: strawberry.ID) -> Backtest:
        row = await info.context.scope.run(get_backtest, backtest_id=str(id))
        return Backtest.from_row(row)

    @strawberry.field(description="The indicator catalog the strategy runtime computes.")
    async def indicators(self, info: strawberry.Info) -> list[Indicator]:
        return [Indicator.of(i) for i in await info.context.scope.run(list_indicators)]


@strawberry.type
class BacktestMutation:
    @strawberry.mutation(description="Run a backtest now; the answer is the stored result.")
    async def create_backtest(self, info: strawberry.Info, input: CreateBacktestInput) -> Backtest:
        row = await info.context.scope.run(
            create_backtest,
            spec=input.spec,
            dataset=input.dataset,
            agent_id=str(input.agent_id) if input.agent_id is not None else None,
            starting_capital=input.starting_capital,
        )
        return Backtest.from_row(row)
