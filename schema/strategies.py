"""Strategy type (the generated one with its GraphQL-only fields), queries and mutations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from graphql import GraphQLResolveInfo

from resolvers import strategies as views
from resolvers.hypothesis_spawn import create_backtest_strategy
from resolvers.lifecycle import transition_strategy
from resolvers.live_series import (
    DEFAULT_BARS,
    list_strategy_live_indicators,
    list_strategy_live_markers,
    list_strategy_live_signals,
)
from resolvers.readiness import get_strategy_readiness
from resolvers.strategies import get_strategy, list_strategies
from schema.enums import Stage
from schema.extend import extends
from schema.generated import strategies as generated
from schema.generated.lifecycle import LifecycleTransition
from schema.generated.live_series import StrategyIndicators, StrategyMarkers, StrategySignals
from schema.generated.readiness import StrategyReadiness
from schema.loaders import loader
from schema.relay import Connection, to_connection, wants_total
from schema.scalars import JSON, int_id

if TYPE_CHECKING:
    from schema.hypotheses import Hypothesis
    from schema.trades import Trade

HypothesisRef = Annotated["Hypothesis", strawberry.lazy("schema.hypotheses")]
TradeRef = Annotated["Trade", strawberry.lazy("schema.trades")]


@extends
class Strategy(generated.Strategy):
    @classmethod
    def is_type_of(cls, obj: object, info: GraphQLResolveInfo) -> bool:
        """A member of the ApprovalTarget union: a strategy is answered as its view."""
        return isinstance(obj, views.Strategy)

    @strawberry.field(description="The hypothesis this strategy descends from.")
    async def hypothesis(self, info: strawberry.Info) -> HypothesisRef:
        view = await loader(info.context.scope, "hypothesis").load(self.hypothesis_id)
        return cast("Hypothesis", view)

    @strawberry.field(description="Trades this strategy owns, oldest first.")
    async def trades(self, info: strawberry.Info) -> list[TradeRef]:
        rows = await loader(info.context.scope, "trades_by_strategy").load(int(self.id))
        return [cast("Trade", view) for view in rows]

    @strawberry.field(description="Every lifecycle transition, oldest first.")
    async def history(self, info: strawberry.Info) -> list[LifecycleTransition]:
        history = await loader(info.context.scope, "history_by_strategy").load(int(self.id))
        return [LifecycleTransition.of(view) for view in history]

    @strawberry.field(description="The promotion-readiness checklist for the next stage.")
    async def readiness(self, info: strawberry.Info) -> StrategyReadiness:
        result = await info.context.scope.run(get_strategy_readiness, strategy_id=int(self.id))
        return StrategyReadiness.of(result)

    @strawberry.field(description="Close and target position per bar of the chart window.")
    async def live_signals(
        self, info: strawberry.Info, bars: int = DEFAULT_BARS
    ) -> StrategySignals:
        result = await info.context.scope.run(
            list_strategy_live_signals, strategy_id=int(self.id), bars=bars
        )
        return StrategySignals.of(result)

    @strawberry.field(description="The family's indicator lines over the chart window.")
    async def live_indicators(
        self, info: strawberry.Info, bars: int = DEFAULT_BARS
    ) -> StrategyIndicators:
        result = await info.context.scope.run(
            list_strategy_live_indicators, strategy_id=int(self.id), bars=bars
        )
        return StrategyIndicators.of(result)

    @strawberry.field(description="Entry and exit markers of its trades in the chart window.")
    async def live_markers(
        self, info: strawberry.Info, bars: int = DEFAULT_BARS
    ) -> StrategyMarkers:
        result = await info.context.scope.run(
            list_strategy_live_markers, strategy_id=int(self.id), bars=bars
        )
        return StrategyMarkers.of(result)


@strawberry.input
class CreateStrategyInput:
    hypothesis_id: strawberry.ID
    name: str | None = None
    family: str | None = None
    symbol: str | None = None
    timeframe: str | None = None
    params: JSON | None = None


@strawberry.type
class StrategyQuery:
    @strawberry.field
    async def strategy(self, info: strawberry.Info, id: strawberry.ID) -> Strategy:
        return Strategy.of(await info.context.scope.run(get_strategy, strategy_id=int_id(id)))

    @strawberry.field(description="Strategies filtered by stage, status, parent and symbol.")
    async def strategies(
        self,
        info: strawberry.Info,
        stage: Stage | None = None,
        status: str | None = None,
        hypothesis_id: strawberry.ID | None = None,
        symbol: str | None = None,
        source: str | None = None,
        name: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Strategy]:
        page = await info.context.scope.run(
            list_strategies,
            stage=stage.value if stage else None,
            status=status,
            hypothesis_id=int_id(hypothesis_id, field="hypothesisId") if hypothesis_id else None,
            symbol=symbol,
            source=source,
            name=name,
            first=first,
            after=after,
            with_total=wants_total(info),
        )
        return to_connection(page, Strategy.of)


@strawberry.type
class StrategyMutation:
    @strawberry.mutation(
        description="Create a strategy under a hypothesis, at quick_screen; every field but "
        "hypothesisId defaults from the hypothesis as POST /api/backtesting/strategies does."
    )
    async def create_strategy(self, info: strawberry.Info, input: CreateStrategyInput) -> Strategy:
        view = await info.context.scope.run(
            create_backtest_strategy,
            hypothesis_id=int_id(input.hypothesis_id, field="hypothesisId"),
            name=input.name,
            family=input.family,
            symbol=input.symbol,
            timeframe=input.timeframe,
            params=input.params,
        )
        return Strategy.of(view)

    @strawberry.mutation(description="Move a strategy to the next stage (forward-only).")
    async def transition_strategy(
        self, info: strawberry.Info, id: strawberry.ID, target: Stage, reason: str = ""
    ) -> Strategy:
        view = await info.context.scope.run(
            transition_strategy, strategy_id=int_id(id), target=target.value, reason=reason
        )
        return Strategy.of(view)
