"""One JSON error envelope, `{"code": ..., "detail": ...}`, for every REST failure."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from resolvers.errors import DomainError
from rest_compat.responses import OrjsonResponse

log = logging.getLogger("tradegraph.rest")

BODY_PARSE_ERROR = "There was an error parsing the body"
STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    501: "NOT_IMPLEMENTED",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
}


def error_response(
    status: int, code: str, detail: Any, headers: dict[str, str] | None = None
) -> OrjsonResponse:
    return OrjsonResponse({"code": code, "detail": detail}, status_code=status, headers=headers)


async def _domain_error(_request: Request, exc: Exception) -> OrjsonResponse:
    assert isinstance(exc, DomainError)
    detail: Any = exc.message if not exc.details else {"message": exc.message, **exc.details}
    return error_response(exc.status, exc.code, detail)


def _routes(routes: Iterable[Any]) -> Iterator[Any]:
    """Every leaf route, looking inside included routers (we include them without prefixes)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)
        else:
            yield route


def allowed_methods(request: Request) -> str:
    """The methods of the most specific path template matching this path.

    Starlette names only the first partially matching route's methods; a path such as
    /api/agents/model-options also matches /api/agents/{id}, whose methods are not its own.
    """
    by_template: dict[str, set[str]] = {}
    for route in _routes(request.app.router.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(request.url.path) and getattr(route, "methods", None):
            by_template.setdefault(route.path, set()).update(route.methods)
    if not by_template:
        return ""
    best = min(by_template, key=lambda template: template.count("{"))
    return ", ".join(sorted(by_template[best]))


async def _http_error(request: Request, exc: Exception) -> OrjsonResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.__cause__, DomainError):  # raised while the body was read (size cap)
        return await _domain_error(request, exc.__cause__)
    if exc.status_code == 400 and exc.detail == BODY_PARSE_ERROR:
        # FastAPI's own answer to a body that is not JSON at all: bad input, like any other.
        return error_response(422, "VALIDATION_ERROR", "the request body is not valid JSON")
    code = STATUS_CODES.get(exc.status_code, HTTPStatus(exc.status_code).name)
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    return error_response(exc.status_code, code, exc.detail, headers or None)


async def _validation_error(_request: Request, exc: Exception) -> OrjsonResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    return error_response(422, "VALIDATION_ERROR", errors)


def database_busy(exc: BaseException) -> bool:
    """SQLite's one write lock stayed taken past the busy timeout: nothing was written (the
    transaction rolled back), so the client may simply retry."""
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


async def _unexpected(request: Request, exc: Exception) -> OrjsonResponse:
    if database_busy(exc):
        log.warning("database busy on %s %s", request.method, request.url.path)
        return error_response(
            503,
            "DATABASE_BUSY",
            "the database is busy with another write; nothing was changed, retry shortly",
            {"Retry-After": "1"},
        )
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "INTERNAL_ERROR", "Internal server error")


def install_error_envelope(app: FastAPI) -> None:
    """Route every failure through the envelope: never HTML, never a stack trace."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
