"""Trade type and its queries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers.trades import get_trade, list_trades
from schema.enums import Phase, TradeSide, TradeStatus
from schema.loaders import loader
from schema.relay import Connection, to_connection, wants_total
from schema.scalars import int_id
from storage.trades import Trade as TradeRow

if TYPE_CHECKING:
    from schema.strategies import Strategy
    from schema.trading_agents import TradingAgent

StrategyRef = Annotated["Strategy", strawberry.lazy("schema.strategies")]
TradingAgentRef = Annotated["TradingAgent", strawberry.lazy("schema.trading_agents")]


@strawberry.type
class Trade:
    id: strawberry.ID
    symbol: str
    side: TradeSide
    size: float
    entry_price: float
    exit_price: float | None
    fees: float
    pnl: float | None
    status: TradeStatus
    phase: Phase
    failure_reason: str | None
    opened_at: datetime
    closed_at: datetime | None
    strategy_id: int | None
    agent_id: str | None = strawberry.field(description="The owning trading agent's id.")

    @classmethod
    def from_row(cls, row: TradeRow) -> Trade:
        return cls(
            id=strawberry.ID(str(row.id)),
            symbol=row.symbol,
            side=TradeSide(row.side),
            size=row.size,
            entry_price=row.entry_price,
            exit_price=row.exit_price,
            fees=row.fees,
            pnl=row.pnl,
            status=TradeStatus(row.status),
            phase=Phase(row.phase),
            failure_reason=row.failure_reason,
            opened_at=row.opened_at,
            closed_at=row.closed_at,
            strategy_id=row.strategy_id,
            agent_id=row.trading_agent_id,
        )

    @strawberry.field(description="The owning strategy, when a strategy owns the trade.")
    async def strategy(self, info: strawberry.Info) -> StrategyRef | None:
        from schema.strategies import Strategy

        if self.strategy_id is None:
            return None
        row = await loader(info.context.scope, "strategy").load(self.strategy_id)
        return Strategy.from_row(row) if row else None

    @strawberry.field(description="The owning trading agent, when an agent owns the trade.")
    async def trading_agent(self, info: strawberry.Info) -> TradingAgentRef | None:
        from schema.trading_agents import TradingAgent

        if self.agent_id is None:
            return None
        row = await loader(info.context.scope, "trading_agent").load(self.agent_id)
        return TradingAgent.from_row(row) if row else None


@strawberry.type
class TradeQuery:
    @strawberry.field
    async def trade(self, info: strawberry.Info, id: strawberry.ID) -> Trade:
        row = await info.context.scope.run(get_trade, trade_id=int_id(id))
        return Trade.from_row(row)

    @strawberry.field(description="Trades filtered by status, phase and owner, oldest first.")
    async def trades(
        self,
        info: strawberry.Info,
        status: TradeStatus | None = None,
        phase: Phase | None = None,
        strategy_id: strawberry.ID | None = None,
        trading_agent_id: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Trade]:
        page = await info.context.scope.run(
            list_trades,
            status=status.value if status else None,
            phase=phase.value if phase else None,
            strategy_id=int_id(strategy_id, field="strategyId") if strategy_id else None,
            trading_agent_id=trading_agent_id,
            first=first,
            after=after,
            with_total=wants_total(info),
        )
        return to_connection(page, Trade.from_row)
