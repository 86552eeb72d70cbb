"""Trade and OpenTrade types, their queries, and the emergency controls (force-close,
mark-failed)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, cast

import strawberry

from resolvers.trades import (
    force_close_trade,
    get_trade,
    list_open_trades,
    list_recent_trades,
    list_trades,
    mark_trade_failed,
)
from schema.extend import extends
from schema.generated import trades as generated
from schema.generated.enums import Phase, TradeStatus
from schema.loaders import loader
from schema.relay import Connection, to_connection, wants_total
from schema.scalars import int_id

if TYPE_CHECKING:
    from schema.strategies import Strategy
    from schema.trading_agents import TradingAgent

StrategyRef = Annotated["Strategy", strawberry.lazy("schema.strategies")]
TradingAgentRef = Annotated["TradingAgent", strawberry.lazy("schema.trading_agents")]


@extends
class Trade(generated.Trade):
    @strawberry.field(description="The owning strategy, when a strategy owns the trade.")
    async def strategy(self, info: strawberry.Info) -> StrategyRef | None:
        if self.strategy_id is None:
            return None
        view = await loader(info.context.scope, "strategy").load(self.strategy_id)
        return cast("Strategy", view) if view else None

    @strawberry.field(description="The owning trading agent, when an agent owns the trade.")
    async def trading_agent(self, info: strawberry.Info) -> TradingAgentRef | None:
        if self.agent_id is None:
            return None
        view = await loader(info.context.scope, "trading_agent").load(self.agent_id)
        return cast("TradingAgent", view) if view else None


@extends
class OpenTrade(generated.OpenTrade, Trade):
    """The generated OpenTrade with a trade's GraphQL-only fields."""


@strawberry.type
class TradeQuery:
    @strawberry.field
    async def trade(self, info: strawberry.Info, id: strawberry.ID) -> Trade:
        return Trade.of(await info.context.scope.run(get_trade, trade_id=int_id(id)))

    @strawberry.field(description="Trades filtered by status, phase and owner, oldest first.")
    async def trades(
        self,
        info: strawberry.Info,
        status: TradeStatus | None = None,
        phase: Phase | None = None,
        strategy_id: strawberry.ID | None = None,
        trading_agent_id: str | None = None,
        paper_session_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Trade]:
        page = await info.context.scope.run(
            list_trades,
            status=status.value if status else None,
            phase=phase.value if phase else None,
            strategy_id=int_id(strategy_id, field="strategyId") if strategy_id else None,
            trading_agent_id=trading_agent_id,
            paper_session_id=(
                int_id(paper_session_id, field="paperSessionId") if paper_session_id else None
            ),
            first=first,
            after=after,
            with_total=wants_total(info),
        )
        return to_connection(page, Trade.of)

    @strawberry.field(
        description="Every open trade, oldest first; with verify, each checked against the "
        "exchange."
    )
    async def open_trades(self, info: strawberry.Info, verify: bool = False) -> list[OpenTrade]:
        results = await info.context.scope.run(list_open_trades, verify=verify)
        return [OpenTrade.of(r) for r in results]

    @strawberry.field(description="The trades with the latest activity, newest first.")
    async def recent_trades(self, info: strawberry.Info, limit: int = 50) -> list[Trade]:
        views = await info.context.scope.run(list_recent_trades, limit=limit)
        return [Trade.of(view) for view in views]


@strawberry.type
class TradeMutation:
    @strawberry.mutation(
        description="Close a trade's position at market on the exchange, then the trade. A "
        "failed exchange close is an EXCHANGE_* error (502) and is kept on the trade."
    )
    async def force_close_trade(self, info: strawberry.Info, id: strawberry.ID) -> Trade:
        return Trade.of(await info.context.scope.run(force_close_trade, trade_id=int_id(id)))

    @strawberry.mutation(description="Write an open trade off as failed, freeing its capital.")
    async def mark_trade_failed(
        self, info: strawberry.Info, id: strawberry.ID, reason: str = ""
    ) -> Trade:
        view = await info.context.scope.run(mark_trade_failed, trade_id=int_id(id), reason=reason)
        return Trade.of(view)
