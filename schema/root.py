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
from schema.backtests import BacktestMutation, BacktestQuery
from schema.boundary import OperationBoundary
from schema.brain import BrainMutation, BrainQuery
from schema.control import ControlMutation, ControlQuery
from schema.deepdive import DeepdiveQuery, DeepdiveSubscription
from schema.errors import annotate, hide_suggestion
from schema.events import EventSubscription
from schema.generated.fields import GeneratedMutation, GeneratedQuery
from schema.halyrd.actions import AgentActionMutation
from schema.halyrd.events import AgentEventSubscription
from schema.hypotheses import HypothesisMutation, HypothesisQuery
from schema.jobs import FetchMutation, JobQuery
from schema.limits import RULES, Limits, Rules, rules
from schema.live import LiveFeedSubscription, SharedEventExecution
from schema.paper import PaperMutation, PaperQuery
from schema.policy import AccessGuard, AccessPolicy
from schema.research import ResearchSubscription
from schema.strategies import StrategyMutation, StrategyQuery
from schema.system import SystemQuery
from schema.trades import TradeMutation, TradeQuery
from schema.trading_agents import TradingAgentQuery

Query = merge_types(
    "Query",
    (
        SystemQuery,
        ControlQuery,
        HypothesisQuery,
        StrategyQuery,
        TradeQuery,
        PaperQuery,
        TradingAgentQuery,
        AgentQuery,
        ApprovalQuery,
        BacktestQuery,
        JobQuery,
        DeepdiveQuery,
        BrainQuery,
        GeneratedQuery,
    ),
)
Subscription = merge_types(
    "Subscription",
    (
        EventSubscription,
        AgentEventSubscription,
        LiveFeedSubscription,
        ResearchSubscription,
        DeepdiveSubscription,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        ControlMutation,
        HypothesisMutation,
        StrategyMutation,
        AgentMutation,
        ApprovalMutation,
        AgentActionMutation,
        BacktestMutation,
        TradeMutation,
        PaperMutation,
        FetchMutation,
        BrainMutation,
        GeneratedMutation,
    ),
)


class TradegraphSchema(strawberry.Schema):
    """Adds error codes to every error before it is logged or sent, and carries what both
    execution paths share: the extra validation rules and the access policy."""

    def __init__(self, *args: Any, extra_rules: Rules = RULES, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.extra_rules = extra_rules
        self.access = AccessPolicy(self._schema)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        parsed = execution_context is not None and execution_context.graphql_document is not None
        hide = self.config.disable_field_suggestions
        for error in errors:
            annotate(error, parsed=parsed)
            if hide:
                hide_suggestion(error)


def build_schema(
    *, hide_suggestions: bool = False, introspection: bool = True, **extra: Any
) -> TradegraphSchema:
    """A fresh schema; caches are module-level, so building twice does not double them.

    With FORVEN_AUTH_REQUIRED the server builds it with neither field suggestions nor
    introspection, so that an unauthorized caller cannot map the schema.
    """
    extra_rules = rules(introspection=introspection)
    return TradegraphSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            lambda: Limits(extra_rules),
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
            AccessGuard,  # after ValidationCache: it reads the validation result
            OperationBoundary,
        ],
        config=StrawberryConfig(disable_field_suggestions=hide_suggestions),
        execution_context_class=SharedEventExecution,  # a live-feed event executes once
        extra_rules=extra_rules,
        **extra,
    )
