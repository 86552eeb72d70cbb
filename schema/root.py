"""The schema: merged Query, Mutation and Subscription roots plus the extensions."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from schema.agents import AgentMutation, AgentQuery
from schema.approvals import ApprovalMutation, ApprovalQuery
from schema.boundary import OperationBoundary
from schema.errors import annotate
from schema.events import EventSubscription
from schema.hypotheses import HypothesisMutation, HypothesisQuery
from schema.limits import Limits
from schema.strategies import StrategyMutation, StrategyQuery
from schema.system import SystemQuery
from schema.trades import TradeQuery
from schema.trading_agents import TradingAgentQuery

Query = merge_types(
    "Query",
    (
        SystemQuery,
        HypothesisQuery,
        StrategyQuery,
        TradeQuery,
        TradingAgentQuery,
        AgentQuery,
        ApprovalQuery,
    ),
)
Subscription = merge_types("Subscription", (EventSubscription,))
Mutation = merge_types(
    "Mutation", (HypothesisMutation, StrategyMutation, AgentMutation, ApprovalMutation)
)


class TradegraphSchema(strawberry.Schema):
    """Adds error codes to every error before it is logged or sent."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        parsed = execution_context is not None and execution_context.graphql_document is not None
        for error in errors:
            annotate(error, parsed=parsed)


def build_schema(*, hide_suggestions: bool = False, **extra: Any) -> TradegraphSchema:
    """A fresh schema; caches are module-level, so building twice does not double them."""
    return TradegraphSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            Limits,
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
            OperationBoundary,
        ],
        config=StrawberryConfig(disable_field_suggestions=hide_suggestions),
        **extra,
    )
