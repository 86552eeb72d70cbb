"""The one error family every transport translates: a code, an HTTP status, a message."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal the caller can act on; transports map it to a status and `code` in one place."""

    code = "DOMAIN_ERROR"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details or {}


class NotFound(DomainError):
    code = "NOT_FOUND"
    status = 404


class InvalidInput(DomainError):
    code = "VALIDATION_ERROR"
    status = 422


class Conflict(DomainError):
    code = "CONFLICT"
    status = 409


class InvalidTransition(Conflict):
    code = "INVALID_TRANSITION"


class NotImplementedYet(DomainError):
    code = "NOT_IMPLEMENTED"
    status = 501


class Unauthorized(DomainError):
    code = "UNAUTHORIZED"
    status = 401


class Unavailable(DomainError):
    """A capability that is switched off or not configured (the seed's 503 convention)."""

    code = "SERVICE_UNAVAILABLE"
    status = 503
