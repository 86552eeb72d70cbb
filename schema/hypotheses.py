"""Hypothesis type, its queries and its mutations (manual, from a URL, edits, spawning)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from graphql import GraphQLResolveInfo

from resolvers import hypotheses as views
from resolvers.hypotheses import (
    create_hypothesis,
    create_hypothesis_from_url,
    get_hypothesis,
    list_hypotheses,
    preview_hypothesis_url,
    update_hypothesis,
)
from resolvers.hypothesis_spawn import generate_hypothesis_strategies
from schema.extend import extends
from schema.generated import hypotheses as generated
from schema.generated.hypotheses import HypothesisPreview
from schema.generated.hypothesis_spawn import GeneratedStrategies
from schema.loaders import loader
from schema.relay import Connection, to_connection, wants_total
from schema.scalars import int_id

if TYPE_CHECKING:
    from schema.strategies import Strategy

StrategyRef = Annotated["Strategy", strawberry.lazy("schema.strategies")]


@extends
class Hypothesis(generated.Hypothesis):
    @classmethod
    def is_type_of(cls, obj: object, info: GraphQLResolveInfo) -> bool:
        """A member of the ApprovalTarget union: a hypothesis is answered as its view."""
        return isinstance(obj, views.Hypothesis)

    @strawberry.field(description="Strategies spawned from this hypothesis, oldest first.")
    async def strategies(self, info: strawberry.Info) -> list[StrategyRef]:
        children = await loader(info.context.scope, "strategies_by_hypothesis").load(int(self.id))
        return [cast("Strategy", view) for view in children]


@strawberry.input
class CreateHypothesisInput:
    title: str
    thesis: str = ""
    mechanism: str = ""
    novelty: str = ""
    lane: str = "general"


@strawberry.input(description="The fields to change; null or absent ones stay as they are.")
class UpdateHypothesisInput:
    title: str | None = None
    thesis: str | None = None
    mechanism: str | None = None
    novelty: str | None = None


@strawberry.type
class HypothesisQuery:
    @strawberry.field
    async def hypothesis(self, info: strawberry.Info, id: strawberry.ID) -> Hypothesis:
        view = await info.context.scope.run(get_hypothesis, hypothesis_id=int_id(id))
        return Hypothesis.of(view)

    @strawberry.field(
        description="Hypotheses by view (all, active, archived, untested, tested), status, "
        "lane and text (title, thesis, mechanism, novelty), oldest first."
    )
    async def hypotheses(
        self,
        info: strawberry.Info,
        view: str | None = None,
        status: str | None = None,
        lane: str | None = None,
        search: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Hypothesis]:
        page = await info.context.scope.run(
            list_hypotheses,
            view=view,
            status=status,
            lane=lane,
            search=search,
            first=first,
            after=after,
            with_total=wants_total(info),
        )
        return to_connection(page, Hypothesis.of)


@strawberry.type
class HypothesisMutation:
    @strawberry.mutation
    async def create_hypothesis(
        self, info: strawberry.Info, input: CreateHypothesisInput
    ) -> Hypothesis:
        view = await info.context.scope.run(
            create_hypothesis,
            title=input.title,
            thesis=input.thesis,
            mechanism=input.mechanism,
            novelty=input.novelty,
            lane=input.lane,
        )
        return Hypothesis.of(view)

    @strawberry.mutation(description="Edit a hypothesis's title, thesis, mechanism or novelty.")
    async def update_hypothesis(
        self, info: strawberry.Info, id: strawberry.ID, input: UpdateHypothesisInput
    ) -> Hypothesis:
        view = await info.context.scope.run(
            update_hypothesis,
            hypothesis_id=int_id(id),
            title=input.title,
            thesis=input.thesis,
            mechanism=input.mechanism,
            novelty=input.novelty,
        )
        return Hypothesis.of(view)

    @strawberry.mutation(description="Fetch a page and show the hypothesis it would create.")
    async def preview_hypothesis_url(
        self, info: strawberry.Info, url: str, lane: str = "general"
    ) -> HypothesisPreview:
        preview = await info.context.scope.run(preview_hypothesis_url, url=url, lane=lane)
        return HypothesisPreview.of(preview)

    @strawberry.mutation(description="Fetch a page and record the hypothesis it describes.")
    async def create_hypothesis_from_url(
        self, info: strawberry.Info, url: str, lane: str = "general"
    ) -> Hypothesis:
        view = await info.context.scope.run(create_hypothesis_from_url, url=url, lane=lane)
        return Hypothesis.of(view)

    @strawberry.mutation(
        description="Spawn child strategies from a hypothesis's text, within the spawn limits."
    )
    async def generate_strategies(
        self,
        info: strawberry.Info,
        hypothesis_id: strawberry.ID,
        count: int | None = None,
        symbol: str | None = None,
        timeframe: str | None = None,
    ) -> GeneratedStrategies:
        result = await info.context.scope.run(
            generate_hypothesis_strategies,
            hypothesis_id=int_id(hypothesis_id, field="hypothesisId"),
            count=count,
            symbol=symbol,
            timeframe=timeframe,
        )
        return GeneratedStrategies.of(result)
