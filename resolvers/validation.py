"""Small input checks shared by resolvers; each failure is a 422 naming the field."""

from __future__ import annotations

from collections.abc import Iterable

from resolvers.errors import InvalidInput


def require_text(field: str, value: str, *, max_length: int, allow_empty: bool = False) -> str:
    """Strip and bound a text field."""
    cleaned = value.strip()
    if not cleaned and not allow_empty:
        raise InvalidInput(f"{field} must not be empty", details={"field": field})
    if len(cleaned) > max_length:
        raise InvalidInput(
            f"{field} is longer than {max_length} characters", details={"field": field}
        )
    return cleaned


def require_choice(field: str, value: str, choices: Iterable[str]) -> str:
    allowed = tuple(choices)
    if value not in allowed:
        raise InvalidInput(
            f"{field} must be one of {', '.join(allowed)}",
            details={"field": field, "value": value},
        )
    return value


def require_positive(field: str, value: float) -> float:
    if not value > 0:
        raise InvalidInput(f"{field} must be positive", details={"field": field})
    return value
