"""Live-feed results shared between subscribers: executed once, encoded once.

Many clients subscribe to the same `liveFeed` operation, and every one of them would otherwise
cost an execution and a JSON encoding per event. A LiveEvent's fields are plain values of the
event, resolved by no one's keys (those were checked when the subscription started), so one
execution and one encoding can serve every subscriber of an operation, on any connection;
each transport only adds the frame around it (server/graphql_ws.py for the hub's frames,
server/graphql_app.py `encode_json` for Strawberry's own `next` messages).
"""

from __future__ import annotations

import functools
from typing import Any

from graphql import DocumentNode, execute, parse
from graphql import ExecutionResult as CoreResult
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation

from resolvers.lab.live import live_event
from schema.root import TradegraphSchema
from server.graphql_json import dumps
from storage.outbox import EventMessage

SHARED_RESULTS = 64  # encoded `data` kept by identity: a few events times distinct operations


class SharedEncoding:
    """The JSON text of recent result `data`, by object identity.

    Every subscriber of one live-feed operation gets the very same `data` object for an event
    (schema/live.py SharedEventExecution), so it is encoded once, not once per subscriber.
    An entry holds its object, so an id cannot be reused while it is kept; results are never
    changed after execution, so a kept text stays right.
    """

    def __init__(self, size: int = SHARED_RESULTS) -> None:
        self._size = size
        self._texts: dict[int, tuple[object, str]] = {}

    def encode(self, data: object) -> str:
        kept = self._texts.get(id(data))
        if kept is not None and kept[0] is data:
            return kept[1]
        text = dumps(data)
        if len(self._texts) >= self._size:
            del self._texts[next(iter(self._texts))]  # the oldest entry
        self._texts[id(data)] = (data, text)
        return text


@functools.lru_cache(maxsize=256)
def _document(query: str) -> DocumentNode:
    return parse(query)


class LivePayloads:
    """The `payload` of a liveFeed `next` message for an event, executed and encoded once per
    event per distinct operation (query, operation name, variables), whoever asks first.

    A LiveEvent's fields are plain values of the event, resolved by no one's keys (those were
    checked when the subscription started), so one execution serves every subscriber of the
    operation, on any connection.
    """

    def __init__(self, schema: TradegraphSchema, size: int = 256) -> None:
        self._schema = schema._schema
        self._size = size
        self._kept: dict[tuple[str, str | None, str], tuple[int, str]] = {}

    @staticmethod
    def key(operation: Operation[Any, Any]) -> tuple[str, str | None, str]:
        return (operation.query, operation.operation_name, dumps(operation.variables))

    def payload(
        self,
        key: tuple[str, str | None, str],
        operation: Operation[Any, Any],
        context: object,
        message: EventMessage,
    ) -> str:
        kept = self._kept.get(key)
        if kept is not None and kept[0] == message.id:
            return kept[1]
        result = execute(
            self._schema,
            _document(operation.query),
            root_value=live_event(message),
            context_value=context,
            variable_values=operation.variables,
            operation_name=operation.operation_name,
        )
        if not isinstance(result, CoreResult):  # LiveEvent's fields are all plain values
            raise TypeError("a live-feed event executed asynchronously")
        body: dict[str, object] = {"data": result.data}
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
        text = dumps(body)
        if len(self._kept) >= self._size:
            self._kept.clear()  # distinct operations are few; this only bounds a flood
        self._kept[key] = (message.id, text)
        return text
