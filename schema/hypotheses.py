"""Hypothesis type, its queries and its mutations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers.hypotheses import create_hypothesis, get_hypothesis, list_hypotheses
from schema.loaders import loader
from schema.relay import Connection, to_connection, wants_total
from schema.scalars import int_id
from storage.hypotheses import Hypothesis as HypothesisRow

if TYPE_CHECKING:
    from schema.strategies import Strategy

StrategyRef = Annotated["Strategy", strawberry.lazy("schema.strategies")]


@strawberry.type
class Hypothesis:
    id: strawberry.ID
    title: str
    thesis: str
    mechanism: str
    novelty: str
    lane: str
    status: str
    source: str
    source_url: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: HypothesisRow) -> Hypothesis:
        return cls(
            id=strawberry.ID(str(row.id)),
            title=row.title,
            thesis=row.thesis,
            mechanism=row.mechanism,
            novelty=row.novelty,
            lane=row.lane,
            status=row.status,
            source=row.source,
            source_url=row.source_url,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="Strategies spawned from this hypothesis, oldest first.")
    async def strategies(self, info: strawberry.Info) -> list[StrategyRef]:
        from schema.strategies import Strategy

        rows = await loader(info.context.scope, "strategies_by_hypothesis").load(int(self.id))
        return [Strategy.from_row(row) for row in rows]


@strawberry.input
class CreateHypothesisInput:
    title: str
    thesis: str = ""
    mechanism: str = ""
    novelty: str = ""
    lane: str = "general"


@strawberry.type
class HypothesisQuery:
    @strawberry.field
    async def hypothesis(self, info: strawberry.Info, id: strawberry.ID) -> Hypothesis:
        row = await info.context.scope.run(get_hypothesis, hypothesis_id=int_id(id))
        return Hypothesis.from_row(row)

    @strawberry.field(description="Hypotheses filtered by status, lane and text, oldest first.")
    async def hypotheses(
        self,
        info: strawberry.Info,
        status: str | None = None,
        lane: str | None = None,
        search: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Hypothesis]:
        page = await info.context.scope.run(
            list_hypotheses,
            status=status,
            lane=lane,
            search=search,
            first=first,
            after=after,
            with_total=wants_total(info),
        )
        return to_connection(page, Hypothesis.from_row)


@strawberry.type
class HypothesisMutation:
    @strawberry.mutation
    async def create_hypothesis(
        self, info: strawberry.Info, input: CreateHypothesisInput
    ) -> Hypothesis:
        row = await info.context.scope.run(
            create_hypothesis,
            title=input.title,
            thesis=input.thesis,
            mechanism=input.mechanism,
            novelty=input.novelty,
            lane=input.lane,
        )
        return Hypothesis.from_row(row)
