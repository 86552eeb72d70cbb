"""A lean query/mutation executor over the Strawberry schema, for the HTTP hot path.

Strawberry's pipeline runs a chain of extension hooks per request; this runs the same
schema through graphql-core directly with the same limits, the same access policy, the same
error codes and the same operation boundary, and caches parse and validation results per query
text (and the policy caches the levels per parsed document), so a repeated query builds
nothing. Subscriptions and GET requests still take Strawberry's own path (see
server/graphql_app.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from inspect import isawaitable
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from schema.context import GraphQLContext, begin_scope, keeps_writes
from schema.errors import annotate
from schema.leaf_objects import LeafObjects
from schema.limits import MAX_TOKENS
from schema.root import TradegraphSchema

CACHE_SIZE = 512


@dataclass(frozen=True, slots=True)
class Prepared:
    """A parsed and validated document, or the errors that stopped it."""

    document: DocumentNode | None
    errors: tuple[GraphQLError, ...]


class RequestError(Exception):
    """The request itself is unusable (HTTP 400): an unknown operation, a subscription."""


class Executor:
    """Runs queries and mutations; parse and validation are cached per query text."""

    def __init__(self, schema: TradegraphSchema, *, cache_size: int = CACHE_SIZE) -> None:
        self._schema = schema
        self._graphql = schema._schema
        self._rules = (
            *specified_rules,
            *schema.extra_rules,
            MaybeNullValidationRule,
            OneOfInputValidationRule,
        )
        self._hide = schema.config.disable_field_suggestions
        self.prepare = lru_cache(maxsize=cache_size)(self._prepare)

    def _prepare(self, query: str) -> Prepared:
        try:
            document = parse(query, max_tokens=MAX_TOKENS)
        except GraphQLError as syntax_error:
            annotate(syntax_error, parsed=False)
            return Prepared(None, (syntax_error,))
        errors = validate(self._graphql, document, self._rules, hide_suggestions=self._hide)
        for invalid in errors:
            annotate(invalid, parsed=True)
        return Prepared(document, tuple(errors))

    async def execute(
        self,
        query: str,
        *,
        context: GraphQLContext,
        variables: Mapping[str, Any] | None = None,
        operation_name: str | None = None,
    ) -> ExecutionResult:
        """Execute one operation inside its own scope; only a clean mutation commits.

        A caller whose keys do not reach the operation gets the policy's one error and
        nothing runs.
        """
        prepared = self.prepare(query)
        if prepared.document is None or prepared.errors:
            return ExecutionResult(None, list(prepared.errors))
        operation = _operation(prepared.document, operation_name)
        if operation.operation is OperationType.SUBSCRIPTION:
            raise RequestError("subscriptions are served over WebSocket (graphql-transport-ws)")
        refusal = self._schema.access.refusal(prepared.document, operation_name, context)
        if refusal is not None:
            return ExecutionResult(None, [refusal])
        is_mutation = operation.operation is OperationType.MUTATION
        scope = begin_scope(context.services, read_only=operation.operation is OperationType.QUERY)
        try:
            result = execute(
                self._graphql,
                prepared.document,
                context_value=context,
                variable_values=dict(variables) if variables else None,
                operation_name=operation_name,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
                executor_class=LeafObjects,
                hide_suggestions=self._hide,
            )
            if isawaitable(result):
                result = await result
        except BaseException:
            await scope.finish(commit=False)
            raise
        assert isinstance(result, ExecutionResult)
        for error in result.errors or ():
            annotate(error, parsed=True)
        await scope.finish(commit=is_mutation and keeps_writes(result.errors))
        return result


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode:
    operation = get_operation_ast(document, name)
    if operation is None:
        raise RequestError(
            f"unknown operation {name!r}" if name else "operationName is required here"
        )
    return operation
