"""The key policy on GraphQL operations: one check, on every execution path.

The lean POST executor (schema/executor.py) asks `AccessPolicy.refusal` itself; Strawberry's
own path (GET, and every operation over WebSocket) runs the `AccessGuard` extension. Both ask
`strictest(levels, keys)` and `authorize` of resolvers/access.py, exactly as REST does, so no
transport can become a bypass of another. A refused operation executes nothing: the refusal is
a pre-execution error, like a validation error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension

from resolvers.access import authorize, strictest
from resolvers.errors import DomainError
from schema.access import LevelCache
from schema.context import GraphQLContext
from schema.errors import annotate


class AccessPolicy:
    """The levels an operation touches (cached per parsed document), against the caller's keys."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self._levels = LevelCache(schema)

    def refusal(
        self, document: DocumentNode, operation_name: str | None, context: Any
    ) -> GraphQLError | None:
        """The error that refuses this operation to this caller, or None when it may run.

        Anything but our context (so: no settings, no keys) fails closed with a RuntimeError,
        which the transports report as an internal error.
        """
        if not isinstance(context, GraphQLContext):
            raise RuntimeError("the access policy needs a GraphQLContext")
        keys = context.keys
        needed = strictest(self._levels.levels(document, operation_name), keys)
        if needed == "public":
            return None
        try:
            authorize(needed, context.presented(), keys)
        except DomainError as refused:
            error = GraphQLError(refused.message, original_error=refused)
            annotate(error, parsed=True)
            return error
        return None


class AccessGuard(SchemaExtension):
    """Refuses, on Strawberry's path, an operation the caller's keys do not reach.

    Must come after ValidationCache among the schema's extensions: hooks enter in list order,
    and this one reads the validation result ValidationCache has just put on the context. A
    document with validation errors keeps them (its levels would mean nothing, and every
    transport has settled the API key before a document is validated). The refusal goes in a
    new list: ValidationCache hands out its cached list, and appending to that would refuse
    every later caller of the same document.
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and not context.pre_execution_errors:
            policy = getattr(context.schema, "access", None)
            if not isinstance(policy, AccessPolicy):
                raise RuntimeError("AccessGuard needs a schema with an AccessPolicy")
            error = policy.refusal(document, context.operation_name, context.context)
            if error is not None:
                context.pre_execution_errors = [error]
        yield
