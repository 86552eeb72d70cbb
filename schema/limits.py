"""Depth, alias and token limits, and the introspection switch, built once so the validation
caches keep hitting.

Strawberry's limiter extensions build a new rule class per instance; constructed per request,
every request would miss the validation cache (whose key includes the rule classes). So the
rule sets are module constants, and a schema picks one of them when it is built.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaxAliasesLimiter, SchemaExtension
from strawberry.extensions.query_depth_limiter import create_validator

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 2000

Rules = tuple[type[ASTValidationRule], ...]

RULES: Rules = (
    create_validator(MAX_DEPTH, None),
    *MaxAliasesLimiter(MAX_ALIASES).validation_rules,
)
# With FORVEN_AUTH_REQUIRED the schema is not published: `__schema` and `__type` fail validation
# (`__typename` stays, clients need it).
RULES_WITHOUT_INTROSPECTION: Rules = (*RULES, NoSchemaIntrospectionCustomRule)


def rules(*, introspection: bool) -> Rules:
    """One of the prebuilt rule sets (never a new tuple of new classes)."""
    return RULES if introspection else RULES_WITHOUT_INTROSPECTION


class Limits(SchemaExtension):
    """Adds the schema's prebuilt rules and the parser token cap to every operation."""

    def __init__(self, extra_rules: Rules = RULES) -> None:
        super().__init__()
        self.extra_rules = extra_rules

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = MAX_TOKENS
        context.validation_rules = context.validation_rules + self.extra_rules
        yield
