"""The one place GraphQL errors get `extensions.code` and `extensions.http.status`."""

from __future__ import annotations

import logging
import re

from graphql import GraphQLError

from resolvers.errors import DomainError

log = logging.getLogger("tradegraph.graphql")

# graphql-core's hint at a near miss: a field, argument, type or enum value name
SUGGESTION = re.compile(r"\s*Did you mean .*$", re.DOTALL)

LIMIT_CODES = (
    ("exceeds maximum operation depth", "QUERY_TOO_DEEP"),
    ("aliases found", "TOO_MANY_ALIASES"),
    ("tokens", "QUERY_TOO_LARGE"),
)


def classify(error: GraphQLError, *, parsed: bool) -> tuple[str, int]:
    """The code and HTTP status for an error that no resolver raised."""
    message = error.message
    for fragment, code in LIMIT_CODES:
        if fragment in message:
            return code, 400
    if not parsed or message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED", 400
    if message.startswith("Variable "):
        return "BAD_USER_INPUT", 400
    return "GRAPHQL_VALIDATION_FAILED", 400


def annotate(error: GraphQLError, *, parsed: bool) -> None:
    """Set the code on `error`, masking anything unexpected."""
    if error.extensions and "code" in error.extensions:
        return
    original = error.original_error
    if isinstance(original, DomainError):
        extensions = {"code": original.code, "http": {"status": original.status}}
        if original.details:
            extensions["details"] = original.details
    elif original is not None and not isinstance(original, GraphQLError):
        log.error("unexpected error in %s", error.path, exc_info=original)
        error.message = "Internal server error"
        extensions = {"code": "INTERNAL_SERVER_ERROR", "http": {"status": 500}}
    else:
        code, status = classify(error, parsed=parsed)
        extensions = {"code": code, "http": {"status": status}}
    error.extensions = extensions


def hide_suggestion(error: GraphQLError) -> None:
    """Drop graphql-core's "Did you mean ...?" from the message, whatever it names (Strawberry's
    own option strips field names only), so an unauthorized caller cannot probe the schema for
    names. Idempotent: it may run twice on a cached validation error."""
    error.message = SUGGESTION.sub("", error.message)
