"""PaperSession type, its queries, and the paper service's start and stop mutations."""

from __future__ import annotations

import strawberry
from strawberry.dataloader import DataLoader

from resolvers.paper import (
    get_paper_session,
    list_paper_sessions,
    list_trades_by_paper_session_ids,
    start_paper_service,
    stop_paper_service,
)
from resolvers.trades import Trade as TradeView
from schema.context import OperationScope
from schema.extend import extends
from schema.generated import paper as generated
from schema.relay import Connection, to_connection, wants_total
from schema.scalars import int_id
from schema.trades import Trade

TRADES_LOADER = "trades_by_paper_session"


def trades_loader(scope: OperationScope) -> DataLoader[int, list[TradeView]]:
    """The operation's loader of sessions' trades: one statement for every session asked."""
    existing: DataLoader[int, list[TradeView]] | None = scope.loaders.get(TRADES_LOADER)
    if existing is not None:
        return existing

    async def batch(keys: list[int]) -> list[list[TradeView]]:
        return await scope.run(list_trades_by_paper_session_ids, session_ids=keys)

    created: DataLoader[int, list[TradeView]] = DataLoader(load_fn=batch)
    scope.loaders[TRADES_LOADER] = created
    return created


@extends
class PaperSession(generated.PaperSession):
    @strawberry.field(
        description="The trades this session opened, oldest first (paged: the root `trades` "
        "field with `paperSessionId`)."
    )
    async def trades(self, info: strawberry.Info) -> list[Trade]:
        views = await trades_loader(info.context.scope).load(int(self.id))
        return [Trade.of(view) for view in views]


@strawberry.type
class PaperQuery:
    @strawberry.field
    async def paper_session(self, info: strawberry.Info, id: strawberry.ID) -> PaperSession:
        row = await info.context.scope.run(get_paper_session, session_id=int_id(id))
        return PaperSession.of(row)

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
        return to_connection(page, PaperSession.of)


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
        return PaperSession.of(row)

    @strawberry.mutation(description="Stop the running paper session; positions stay open.")
    async def stop_paper_service(self, info: strawberry.Info, reason: str = "") -> PaperSession:
        row = await info.context.scope.run(stop_paper_service, reason=reason)
        return PaperSession.of(row)
