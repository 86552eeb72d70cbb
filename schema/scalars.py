"""Shared scalars and id parsing."""

from __future__ import annotations

from strawberry.scalars import JSON

from resolvers.errors import InvalidInput

__all__ = ["JSON", "int_id"]


def int_id(value: str | int, *, field: str = "id") -> int:
    """A GraphQL ID that must hold an integer row id."""
    try:
        parsed = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(
            f"{field} must be an integer id", code="INVALID_ID", details={field: value}
        ) from None
    if parsed <= 0:
        raise InvalidInput(f"{field} must be positive", code="INVALID_ID", details={field: value})
    return parsed
