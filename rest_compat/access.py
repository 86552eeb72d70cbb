"""The operator gate as FastAPI dependencies, one per level, shared by every generated router.

The API key is settled earlier, by the guard middleware before routing; these add the operator
key (Forven's require_operator_access) and the Halyrd write rule. Both ask resolvers/access.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends
from starlette.requests import Request

from resolvers.access import Level, Presented, authorize


def _gate(level: Level) -> Callable[[Request], Awaitable[None]]:
    async def gate(request: Request) -> None:
        authorize(level, Presented.from_headers(request.headers.get), request.app.state.keys)

    gate.__name__ = f"require_{level}"
    return gate


GATES: dict[str, Any] = {
    level: Depends(_gate(level)) for level in ("api", "operator", "halyrd_read", "halyrd_write")
}
