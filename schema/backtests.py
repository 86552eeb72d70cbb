"""Backtests of a StrategySpec on a dataset, gated by the evaluation objectives; indicators.
The types are generated from the resolvers' views; Backtest keeps its Int id."""

from __future__ import annotations

import strawberry

from resolvers.backtests import get_backtest, record_backtest
from resolvers.indicators import list_indicators
from schema.extend import extends
from schema.generated import backtests as generated
from schema.generated import indicators as halyrd_indicators
from schema.scalars import JSON


@extends
class Backtest(generated.Backtest):
    id: int  # type: ignore[assignment]  # an Int here before backtests became views; kept so


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
        return Backtest.of(await info.context.scope.run(get_backtest, backtest_id=str(id)))

    @strawberry.field(description="The indicator catalog the strategy runtime computes.")
    async def indicators(self, info: strawberry.Info) -> list[Indicator]:
        return [Indicator.of(i) for i in await info.context.scope.run(list_indicators)]


@strawberry.type
class BacktestMutation:
    @strawberry.mutation(description="Run a backtest now; the answer is the stored result.")
    async def create_backtest(self, info: strawberry.Info, input: CreateBacktestInput) -> Backtest:
        view = await info.context.scope.run(
            record_backtest,
            spec=input.spec,
            dataset=input.dataset,
            agent_id=str(input.agent_id) if input.agent_id is not None else None,
            starting_capital=input.starting_capital,
        )
        return Backtest.of(view)
