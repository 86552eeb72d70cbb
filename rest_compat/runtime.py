"""What the generated handlers call: run a resolver at the request boundary, answer in JSON."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any, Protocol, TypeVar

import orjson
from pydantic import BeforeValidator, Field, StrictBool, StrictInt
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from resolvers.errors import DomainError, InvalidInput, NotImplementedYet
from resolvers.lab.services import Lab
from resolvers.views import jsonable
from storage.outbox import commit_and_publish
from storage.reads import mark_read_only, untouched

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
BodyInt64 = Annotated[StrictInt, Field(ge=-(2**63), le=2**63 - 1)]  # JSON bodies: no coercion
__all__ = [
    "BodyInt64",
    "Int64",
    "IsoDateTime",
    "StrictBool",
    "boundary",
    "jsonable",
    "lab_of",
    "not_implemented",
    "page",
    "respond",
]
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_only(value: Any) -> Any:
    # pydantic also reads numbers as epoch seconds; the API documents ISO 8601 date-times only
    if not isinstance(value, str) or not _DATE_TIME.match(value):
        raise ValueError("expected an ISO 8601 date-time such as 2026-01-31T12:00:00Z")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]
JSON = "application/json"
# The cache-buster browser libraries append to GET URLs (jQuery's `cache: false` adds
# `_=<timestamp>`): carrying no meaning, it is ignored on GET instead of refused.
CACHE_BUSTER = "_"


@asynccontextmanager
async def boundary(
    request: Request, *, write: bool, query: tuple[str, ...] = ()
) -> AsyncIterator[AsyncSession]:
    """A fresh session for one resolver call; a writing route commits and publishes only on
    success, and a refusal that is itself a record (`persist`) is committed before it answers.

    `query` names the query parameters the route takes; any other is refused (422), except the
    cache-buster `_` on GET (CACHE_BUSTER). The handler calls the resolver itself
    (`await r_trades.list_open_trades(session, verify=verify)`), so its arguments are
    type-checked against the resolver.
    """
    unknown = set(request.query_params) - set(query)
    if request.method == "GET":
        unknown.discard(CACHE_BUSTER)
    if unknown:
        first = min(unknown)
        takes = ", ".join(query) if query else "none"
        raise InvalidInput(
            f"unknown query parameter {first!r}; this route takes: {takes}",
            code="UNKNOWN_PARAMETER",
            details={"parameter": first, "allowed": list(query)},
        )
    services = request.app.state.services
    publish = services.bus.publish if services.bus else None
    session = services.session_factory()
    if not write:
        mark_read_only(session)  # its reads may take the read path (storage/reads.py)
    try:
        yield session
    except DomainError as exc:
        if getattr(exc, "persist", False):
            # A refusal that is itself a record (a blocked order): keep it, then answer.
            await commit_and_publish(session, publish)
        raise
    else:
        if write:
            await commit_and_publish(session, publish)
    finally:
        if not untouched(session):  # one that read only through the ReadPool holds nothing
            await session.close()


class PageOf(Protocol[T_co]):
    """What a paged resolver answers (resolvers/pagination.py `Page`)."""

    @property
    def items(self) -> Sequence[T_co]: ...
    @property
    def total_count(self) -> int | None: ...
    @property
    def end_cursor(self) -> str | None: ...
    @property
    def has_next_page(self) -> bool: ...


def page(result: PageOf[T], item: Callable[[T], Any] | None = None) -> dict[str, Any]:
    """The documented page envelope every paged route answers: {items, total, next_cursor};
    `item` serializes an item (views need none: they are their JSON)."""
    return {
        "items": list(result.items) if item is None else [item(x) for x in result.items],
        "total": result.total_count,
        "next_cursor": result.end_cursor if result.has_next_page else None,
    }


def lab_of(request: Request) -> Lab:
    """The server's lab (its services), for a resolver that trades against it."""
    lab: Lab = request.app.state.services.lab
    return lab


def respond(content: Any, status: int) -> Response:
    """The answer with the route's status, or the one the answer's class states (a job's 202
    Accepted where the work outlasted the request: `http_status` on the view)."""
    status = getattr(content, "http_status", status)
    return Response(orjson.dumps(content), status_code=status, media_type=JSON)


def not_implemented(route: str) -> NotImplementedYet:
    """The 501 a planned route answers with; the domain behind it is not built yet."""
    return NotImplementedYet(
        f"{route} is documented but not implemented yet", details={"route": route}
    )
