"""What the generated handlers call: run a resolver at the request boundary, answer in JSON."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import orjson
from pydantic import BeforeValidator, Field, StrictBool, StrictInt
from starlette.requests import Request
from starlette.responses import Response

from resolvers.errors import DomainError, InvalidInput, NotImplementedYet
from resolvers.lab.inject import with_lab
from storage.outbox import commit_and_publish

R = TypeVar("R")
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
BodyInt64 = Annotated[StrictInt, Field(ge=-(2**63), le=2**63 - 1)]  # JSON bodies: no coercion
__all__ = ["BodyInt64", "Int64", "IsoDateTime", "StrictBool", "call", "not_implemented", "respond"]
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_only(value: Any) -> Any:
    # pydantic also reads numbers as epoch seconds; the API documents ISO 8601 date-times only
    if not isinstance(value, str) or not _DATE_TIME.match(value):
        raise ValueError("expected an ISO 8601 date-time such as 2026-01-31T12:00:00Z")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]
JSON = "application/json"


async def call(
    request: Request,
    fn: Callable[..., Awaitable[R]],
    /,
    *,
    write: bool,
    query: tuple[str, ...] = (),
    **kwargs: Any,
) -> R:
    """Run `fn` on a fresh session (with the server's lab when it takes `lab`); a writing route
    commits and publishes only on success.

    `query` names the query parameters the route takes; any other is refused (422).
    """
    unknown = sorted(set(request.query_params) - set(query))
    if unknown:
        takes = ", ".join(query) if query else "none"
        raise InvalidInput(
            f"unknown query parameter {unknown[0]!r}; this route takes: {takes}",
            code="UNKNOWN_PARAMETER",
            details={"parameter": unknown[0], "allowed": list(query)},
        )
    services = request.app.state.services
    kwargs = with_lab(fn, kwargs, services.lab)
    publish = services.bus.publish if services.bus else None
    async with services.session_factory() as session:
        try:
            result = await fn(session, **kwargs)
        except DomainError as exc:
            if getattr(exc, "persist", False):
                # A refusal that is itself a record (a blocked order): keep it, then answer.
                await commit_and_publish(session, publish)
            raise
        if write:
            await commit_and_publish(session, publish)
        return result


def respond(content: Any, status: int) -> Response:
    return Response(orjson.dumps(content), status_code=status, media_type=JSON)


def not_implemented(route: str) -> NotImplementedYet:
    """The 501 a planned route answers with; the domain behind it is not built yet."""
    return NotImplementedYet(
        f"{route} is documented but not implemented yet", details={"route": route}
    )
