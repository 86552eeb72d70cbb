"""TradingAgent (Halyrd) type and its queries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers.trades import list_trades
from resolvers.trading_agents import get_trading_agent, list_trading_agents
from schema.enums import AgentStatus, MarketMode, Phase
from schema.relay import Connection, to_connection, wants_total
from storage.trading_agents import TradingAgent as TradingAgentRow

if TYPE_CHECKING:
    from schema.trades import Trade

TradeRef = Annotated["Trade", strawberry.lazy("schema.trades")]
CURRENT = strawberry.ID("current")


@strawberry.type
class TradingAgent:
    id: strawberry.ID
    name: str
    status: AgentStatus
    phase: Phase
    market_mode: MarketMode
    last_heartbeat: datetime | None

    @classmethod
    def from_row(cls, row: TradingAgentRow) -> TradingAgent:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            status=AgentStatus(row.status),
            phase=Phase(row.phase),
            market_mode=MarketMode(row.market_mode),
            last_heartbeat=row.last_heartbeat,
        )

    @strawberry.field(description="This agent's trades, oldest first.")
    async def trades(
        self,
        info: strawberry.Info,
        phase: Phase | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[TradeRef]:
        from schema.trades import Trade

        page = await info.context.scope.run(
            list_trades,
            trading_agent_id=str(self.id),
            phase=phase.value if phase else None,
            first=first,
            after=after,
            with_total=wants_total(info),
        )
        return to_connection(page, Trade.from_row)


@strawberry.type
class TradingAgentQuery:
    @strawberry.field(description="A trading agent by id; `current` is the running agent.")
    async def trading_agent(
        self, info: strawberry.Info, id: strawberry.ID = CURRENT
    ) -> TradingAgent:
        row = await info.context.scope.run(get_trading_agent, agent_id=str(id))
        return TradingAgent.from_row(row)

    @strawberry.field
    async def trading_agents(self, info: strawberry.Info) -> list[TradingAgent]:
        rows = await info.context.scope.run(list_trading_agents)
        return [TradingAgent.from_row(row) for row in rows]
