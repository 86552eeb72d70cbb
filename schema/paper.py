"""PaperSession type, its queries, and the paper service's start and stop mutations."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.dataloader import DataLoader

from resolvers.paper import (
    PaperSessionSummary,
    get_paper_session,
    list_paper_sessions,
    list_trades_by_paper_session_ids,
    start_paper_service,
    stop_paper_service,
)
from schema.context import OperationScope
from schema.relay import Connection, to_connection, wants_total
from schema.scalars import int_id
from schema.trades import Trade
from storage.trades import Trade as TradeRow

TRADES_LOADER = "trades_by_paper_session"


def trades_loader(scope: OperationScope) -> DataLoader[int, list[TradeRow]]:
    """The operation's loader of sessions' trades: one statement for every session asked."""
    existing: DataLoader[int, list[TradeRow]] | None = scope.loaders.get(TRADES_LOADER)
    if existing is not None:
        return existing

    async def batch(keys: list[int]) -> list[list[TradeRow]]:
        return await scope.run(list_trades_by_paper_session_ids, session_ids=keys)

    created: DataLoader[int, list[TradeRow]] = DataLoader(load_fn=batch)
    scope.loaders[TRADES_LOADER] = created
    return created


@strawberry.enum
class PaperSessionStatus(Enum):
    RUNNING = "running"
    STOPPED = "stopped"


@strawberry.type(description="One run of the global paper trading service.")
class PaperSession:
    id: strawberry.ID
    status: PaperSessionStatus
    deployed: bool = strawberry.field(description="True while the session is running.")
    strategy_ids: list[int] = strawberry.field(description="The strategies it deploys.")
    capital: float = strawberry.field(description="The paper account's cash at its start.")
    started_at: datetime
    stopped_at: datetime | None
    stop_reason: str
    last_tick_at: datetime | None
    ticks: int
    trade_count: int = strawberry.field(description="Trades it opened.")
    open_trade_count: int = strawberry.field(description="Of those, still open.")
    realized_pnl: float = strawberry.field(description="Net pnl of its closed trades.")

    @classmethod
    def from_summary(cls, row: PaperSessionSummary) -> PaperSession:
        return cls(
            id=strawberry.ID(str(row.id)),
            status=PaperSessionStatus(row.status),
            deployed=row.deployed,
            strategy_ids=list(row.strategy_ids),
            capital=row.capital,
            started_at=row.started_at,
            stopped_at=row.stopped_at,
            stop_reason=row.stop_reason,
            last_tick_at=row.last_tick_at,
            ticks=row.ticks,
            trade_count=row.trade_count,
            open_trade_count=row.open_trade_count,
            realized_pnl=row.realized_pnl,
        )

    @strawberry.field(
        description="The trades this session opened, oldest first (paged: the root `trades` "
        "field with `paperSessionId`)."
    )
    async def trades(self, info: strawberry.Info) -> list[Trade]:
        rows = await trades_loader(info.context.scope).load(int(self.id))
        return [Trade.from_row(row) for row in rows]


@strawberry.type
class PaperQuery:
    @strawberry.field
    async def paper_session(self, info: strawberry.Info, id: strawberry.ID) -> PaperSession:
        row = await info.context.scope.run(get_paper_session, session_id=int_id(id))
        return PaperSession.from_summary(row)

    @strawberry.field(description="Paper sessions, oldest first; deployed: running or stopped.")
    async def paper_sessions(
        self,
        info: strawberry.Info,
        deployed: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PaperSession]:
        page = await info.context.scope.run(
            list_paper_sessions,
            deployed=deployed,
            first=first,
            after=after,
            with_total=wants_total(info),
        )
        return to_connection(page, PaperSession.from_summary)


@strawberry.type
class PaperMutation:
    @strawberry.mutation(
        description="Start the paper service (stopping any running session) deploying the "
        "given strategies, or every active strategy at stage paper."
    )
    async def start_paper_service(
        self, info: strawberry.Info, strategy_ids: list[strawberry.ID] | None = None
    ) -> PaperSession:
        ids = (
            [int_id(i, field="strategyIds") for i in strategy_ids]
            if strategy_ids is not None
            else None
        )
        row = await info.context.scope.run(start_paper_service, strategy_ids=ids)
        return PaperSession.from_summary(row)

    @strawberry.mutation(description="Stop the running paper session; positions stay open.")
    async def stop_paper_service(self, info: strawberry.Info, reason: str = "") -> PaperSession:
        row = await info.context.scope.run(stop_paper_service, reason=reason)
        return PaperSession.from_summary(row)
