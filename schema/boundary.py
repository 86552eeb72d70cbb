"""The GraphQL operation boundary: one scope per operation, commit only clean mutations."""

from __future__ import annotations

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from schema.context import GraphQLContext, begin_scope, keeps_writes


class OperationBoundary(SchemaExtension):
    """Opens the operation's scope; afterwards commits a mutation that raised no error.

    Anything else rolls back, so a failed mutation writes nothing, not even the part of a
    multi-field mutation that ran before the failure.
    """

    async def on_operation(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if not isinstance(context, GraphQLContext):
            yield
            return
        scope = begin_scope(context.services)
        try:
            yield
        except BaseException:
            await scope.finish(commit=False)
            raise
        await scope.finish(commit=self._clean_mutation())

    def _clean_mutation(self) -> bool:
        context = self.execution_context
        if context.graphql_document is None or context.pre_execution_errors:
            return False
        try:
            if context.operation_type is not OperationType.MUTATION:
                return False
        except RuntimeError:
            return False
        result = context.result
        return result is not None and keeps_writes(getattr(result, "errors", None))
