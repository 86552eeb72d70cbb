"""One JSON error envelope, `{"code": ..., "detail": ...}`, for every REST failure."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from resolvers.errors import DomainError
from rest_compat.responses import OrjsonResponse

log = logging.getLogger("tradegraph.rest")

STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
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


async def _http_error(_request: Request, exc: Exception) -> OrjsonResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = STATUS_CODES.get(exc.status_code, HTTPStatus(exc.status_code).name)
    return error_response(exc.status_code, code, exc.detail, getattr(exc, "headers", None))


async def _validation_error(_request: Request, exc: Exception) -> OrjsonResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    return error_response(422, "VALIDATION_ERROR", errors)


async def _unexpected(request: Request, exc: Exception) -> OrjsonResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "INTERNAL_ERROR", "Internal server error")


def install_error_envelope(app: FastAPI) -> None:
    """Route every failure through the envelope: never HTML, never a stack trace."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
