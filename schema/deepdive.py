"""The deep-dive chat in GraphQL: `deepdiveThread` (a strategy's thread, the API key alone, as
the seed leaves deepdive reads ungated) and the `deepdiveSend` subscription, the SSE route's
twin (operator): the same resolvers, the same events (`DeepdiveToken` per chunk, then the
persisted `DeepdiveMessage` or a `DeepdiveError`). A refusal (NOT_FOUND, INVALID_MESSAGE) is a
GraphQL error with its code before any event; stopping the subscription stops the answer and
persists it as interrupted, as a disconnect does on the SSE route."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from graphql import GraphQLResolveInfo

from resolvers.deepdive import send as events
from resolvers.deepdive import threads as views
from resolvers.deepdive.send import send_deepdive_message
from resolvers.deepdive.threads import get_deepdive_thread, start_deepdive_turn
from schema.context import Services, units_of_work
from schema.extend import extends
from schema.generated import deepdive_send as generated_send
from schema.generated import deepdive_threads as generated
from schema.scalars import int_id


@extends
class DeepdiveToken(generated_send.DeepdiveToken):
    @classmethod
    def is_type_of(cls, obj: object, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, events.DeepdiveToken)


@extends
class DeepdiveError(generated_send.DeepdiveError):
    @classmethod
    def is_type_of(cls, obj: object, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, events.DeepdiveError)


@extends
class DeepdiveMessage(generated.DeepdiveMessage):
    @classmethod
    def is_type_of(cls, obj: object, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, views.DeepdiveMessageView)


@extends
class DeepdiveThread(generated.DeepdiveThread):
    messages: list[DeepdiveMessage]  # type: ignore[assignment]  # the union's member type


DeepdiveEvent = Annotated[
    DeepdiveToken | DeepdiveMessage | DeepdiveError,
    strawberry.union(
        "DeepdiveEvent",
        description="One event of a deep-dive answer: a token, then the answer or an error.",
    ),
]


@strawberry.type
class DeepdiveQuery:
    @strawberry.field(
        description="A strategy's deep-dive chat thread, its messages oldest first (none "
        "before the first send); NOT_FOUND for no such strategy."
    )
    async def deepdive_thread(
        self, info: strawberry.Info, strategy_id: strawberry.ID
    ) -> DeepdiveThread:
        view = await info.context.scope.run(
            get_deepdive_thread, strategy_id=int_id(strategy_id, field="strategyId")
        )
        return DeepdiveThread.of(view)


@strawberry.type
class DeepdiveSubscription:
    @strawberry.subscription(
        description="Ask the strategy's deep-dive thread (its id is the strategy's): the "
        "message is persisted, then the answer streams from the model policy's chat chain, "
        "a DeepdiveToken per chunk, then the persisted DeepdiveMessage or a DeepdiveError. "
        "POST /api/deepdive/threads/{id}/send as a subscription."
    )
    async def deepdive_send(
        self, info: strawberry.Info, thread_id: strawberry.ID, message: str
    ) -> AsyncGenerator[DeepdiveEvent, None]:
        services: Services = info.context.services
        unit = units_of_work(services)
        async with unit() as session:
            turn = await start_deepdive_turn(
                session, thread_id=int_id(thread_id, field="threadId"), message=message
            )
        answer = send_deepdive_message(unit, turn=turn, lab=services.lab)
        try:
            async for event in answer:
                yield event  # type: ignore[misc]  # a view, typed by is_type_of
        finally:
            await answer.aclose()  # type: ignore[attr-defined]
