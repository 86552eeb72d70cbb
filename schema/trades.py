"""Trade and OpenTrade types, their queries, and the emergency controls (force-close,
mark-failed)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from resolvers.trades import OpenTrade as OpenTradeResult
from resolvers.trades import (
    force_close_trade,
    get_trade,
    list_open_trades,
    list_recent_trades,
    list_trades,
    mark_trade_failed,
)
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
    close_error: str | None = strawberry.field(
        description="The last failed close on the exchange while the trade stays open (it "
        "may still be open there); cleared by a successful close."
    )
    paper_session_id: int | None = strawberry.field(description="The paper session that opened it.")

    @classmethod
    def from_row(cls, row: TradeRow) -> Self:
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
            close_error=row.close_error,
            paper_session_id=row.paper_session_id,
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


@strawberry.type(description="An open trade and what the exchange says about it.")
class OpenTrade(Trade):
    exchange_verified: bool | None = strawberry.field(
        default=None,
        description="True when the venue holds this trade's position (same symbol, side and "
        "size), false when not; null when not verified.",
    )
    exchange_detail: str | None = strawberry.field(
        default=None, description="What the venue holds instead, or why it was not verified."
    )

    @classmethod
    def from_result(cls, result: OpenTradeResult) -> OpenTrade:
        item = cls.from_row(result.trade)
        item.exchange_verified = result.exchange_verified
        item.exchange_detail = result.exchange_detail
        return item


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
        return to_connection(page, Trade.from_row)

    @strawberry.field(
        description="Every open trade, oldest first; with verify, each checked against the "
        "exchange."
    )
    async def open_trades(self, info: strawberry.Info, verify: bool = False) -> list[OpenTrade]:
        results = await info.context.scope.run(list_open_trades, verify=verify)
        return [OpenTrade.from_result(r) for r in results]

    @strawberry.field(description="The trades with the latest activity, newest first.")
    async def recent_trades(self, info: strawberry.Info, limit: int = 50) -> list[Trade]:
        rows = await info.context.scope.run(list_recent_trades, limit=limit)
        return [Trade.from_row(row) for row in rows]


@strawberry.type
class TradeMutation:
    @strawberry.mutation(
        description="Close a trade's position at market on the exchange, then the trade. A "
        "failed exchange close is an EXCHANGE_* error (502) and is kept on the trade."
    )
    async def force_close_trade(self, info: strawberry.Info, id: strawberry.ID) -> Trade:
        row = await info.context.scope.run(force_close_trade, trade_id=int_id(id))
        return Trade.from_row(row)

    @strawberry.mutation(description="Write an open trade off as failed, freeing its capital.")
    async def mark_trade_failed(
        self, info: strawberry.Info, id: strawberry.ID, reason: str = ""
    ) -> Trade:
        row = await info.context.scope.run(mark_trade_failed, trade_id=int_id(id), reason=reason)
        return Trade.from_row(row)
