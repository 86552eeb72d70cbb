"""`liveFeed`: the live feed's events (/ws/live) as a GraphQL subscription, from the same outbox.

Same events, ids, subsets and `since` as the WebSocket (resolvers/lab/live.py); a bad argument
is a GraphQL error with the feed's code (VALIDATION_ERROR, NOT_FOUND) before any event.

One event goes to many subscribers, and executing a selection set on it costs far more than
sending it (BENCHMARKS.md, live feed). So every subscriber is handed the same LiveEvent object
for an event, and SharedEventExecution executes each distinct operation (parsed document, as
the parser cache shares it, plus variable values) once per event; the other subscribers of
that operation get the same result. That is sound because a LiveEvent's fields are plain
values that depend on nothing but the event: not on the caller, whose keys were checked before
the subscription started.

Over graphql-transport-ws a subscription without `since` goes further (LiveHandoff): once its
arguments are checked, server/graphql_ws.py serves it from the process's shared live-feed hub.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextvars import ContextVar
from typing import Any

import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from resolvers.lab.live import (
    LiveFilter,
    PerMessage,
    check_since,
    live_event,
    live_events,
    resolve_live_filter,
)
from schema.extend import extends
from schema.generated import lab_live as generated
from schema.generated.enums import LiveEventType
from storage.outbox import EventMessage


@extends
class LiveEvent(generated.LiveEvent):
    id: int  # type: ignore[assignment]  # the outbox id, an Int as `since` is


RESULTS = "_tradegraph_results"  # on a shared LiveEvent: its results per operation


def _shared_event(message: EventMessage) -> LiveEvent:
    event = live_event(message)
    object.__setattr__(event, RESULTS, [])  # frozen, not slotted: a place for the results
    return LiveEvent.of(event)


SHARED_EVENTS = PerMessage(_shared_event)


class _Executed:
    """A per-event executor whose result another subscriber's execution already produced."""

    __slots__ = ("result",)

    def __init__(self, result: Any) -> None:
        self.result = result

    def execute_operation(self, serially: bool | None = None) -> Any:
        return self.result


class SharedEventExecution(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, except that a live-feed event is executed once per operation:
    the first subscriber's execution stores its result on the event, and the others' per-event
    executors hand that result back without copying an executor or running a resolver."""

    _operation_key: str | None = None

    def _key(self) -> str:
        """This operation's variables, as one string (computed once per subscription)."""
        if self._operation_key is None:
            self._operation_key = repr(self.variable_values.coerced)
        return self._operation_key

    def _stored(self, event: Any) -> tuple[list[tuple[Any, str, Any]] | None, Any]:
        results: list[tuple[Any, str, Any]] | None = getattr(event, RESULTS, None)
        if results is not None:
            operation, key = self.operation, self._key()
            for seen, seen_key, result in results:
                if seen is operation and seen_key == key:
                    return results, result
        return results, None

    def build_per_event_executor(self, payload: Any) -> Any:
        _, result = self._stored(payload)
        if result is not None:
            return _Executed(result)
        return super().build_per_event_executor(payload)

    def execute_operation(self, serially: bool | None = None) -> Any:
        results, _ = self._stored(self.root_value)
        result = super().execute_operation(serially)
        if results is not None and not self.is_awaitable(result):
            results.append((self.operation, self._key(), result))
        return result


class LiveHandoff:
    """A transport's offer to serve one `liveFeed` operation itself (server/graphql_ws.py:
    the process's shared fan-out, frames encoded once per event per distinct operation).

    The transport sets LIVE_HANDOFF in the operation's task. A subscription streaming from now
    on (no `since`) resolves and checks its subset as always (the access guard has run, a bad
    argument is still a GraphQL error), stores it here and ends without opening a bus
    subscription of its own; the transport then delivers its events. With `since`, or with no
    handoff (tests, other transports), the resolver streams the events itself.
    """

    __slots__ = ("live_filter",)

    def __init__(self) -> None:
        self.live_filter: LiveFilter | None = None


LIVE_HANDOFF: ContextVar[LiveHandoff | None] = ContextVar("live_handoff", default=None)


@strawberry.type
class LiveFeedSubscription:
    @strawberry.subscription(
        description="Price ticks, order fills, indicator updates and regime changes in id "
        "order. `types`, `symbols` and `strategyIds` keep a subset (a strategy keeps its "
        "fills and indicator updates plus the ticks and regime changes of its symbol); "
        "`since` replays stored events after that id first."
    )
    async def live_feed(
        self,
        info: strawberry.Info,
        types: list[LiveEventType] | None = None,
        symbols: list[str] | None = None,
        strategy_ids: list[int] | None = None,
        since: int | None = None,
    ) -> AsyncGenerator[LiveEvent, None]:
        async with info.context.services.session_factory() as session:
            live_filter = await resolve_live_filter(
                session,
                types=None if types is None else [t.value for t in types],
                symbols=symbols,
                strategy_ids=strategy_ids,
            )
        start = check_since(since)
        handoff = LIVE_HANDOFF.get()
        if start is None and handoff is not None:
            handoff.live_filter = live_filter
            return
        async with live_events(info.context.bus, live_filter=live_filter, since=start) as stream:
            async for message in stream:
                yield SHARED_EVENTS(message)
