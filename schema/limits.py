"""Depth, alias and token limits, built once so the validation cache keeps hitting.

Strawberry's limiter extensions build a new rule class per instance; constructed per request,
every request would miss the validation cache (whose key includes the rule classes).
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ASTValidationRule
from strawberry.extensions import MaxAliasesLimiter, SchemaExtension
from strawberry.extensions.query_depth_limiter import create_validator

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 2000

RULES: tuple[type[ASTValidationRule], ...] = (
    create_validator(MAX_DEPTH, None),
    *MaxAliasesLimiter(MAX_ALIASES).validation_rules,
)


class Limits(SchemaExtension):
    """Adds the prebuilt rules and the parser token cap to every operation."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = MAX_TOKENS
        context.validation_rules = context.validation_rules + RULES
        yield
