"""Who may call what: Forven's two-key model as one policy for every surface.

REST (the API-key middleware and the operator dependency), GraphQL (per field area) and the
WebSockets all ask `authorize`; none of them compares keys itself, so no surface can drift
from another. Keys are compared in constant time and never included in a message.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from resolvers.errors import Unauthorized, Unavailable

# halyrd_* are the Halyrd agent API: open while the server is loopback-bound without
# FORVEN_AUTH_REQUIRED (DESIGN.md, Auth), otherwise `api` for reads and `operator` for writes.
Level = Literal["public", "api", "operator", "halyrd_read", "halyrd_write"]
Effective = Literal["public", "api", "operator"]

_RANK: dict[Effective, int] = {"public": 0, "api": 1, "operator": 2}

API_KEY_HEADER = "x-api-key"
OPERATOR_KEY_HEADER = "x-operator-key"


@dataclass(frozen=True, slots=True)
class KeyConfig:
    """The configured keys and whether the Halyrd routes are open."""

    api_key: str | None
    operator_key: str | None
    halyrd_open: bool


@dataclass(frozen=True, slots=True)
class Presented:
    """The keys a caller sent, from headers or a WebSocket's first message."""

    api_key: str | None = None
    operator_key: str | None = None

    @classmethod
    def from_headers(cls, get: Callable[[str], str | None]) -> Presented:
        """`get` looks up a lower-case header name: x-api-key, else `Authorization: Bearer`."""
        api_key = get(API_KEY_HEADER)
        if api_key is None:
            scheme, _, token = (get("authorization") or "").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                api_key = token.strip()
        return cls(api_key=api_key, operator_key=get(OPERATOR_KEY_HEADER))

    @classmethod
    def from_payload(cls, payload: object) -> Presented:
        """Keys from a browser's `connection_init` payload or first message.

        Accepts the header names as keys (`x-api-key`, `x-operator-key`, `Authorization`),
        `api_key` / `operator_key`, or either form nested under `headers`.
        """
        if not isinstance(payload, dict):
            return cls()
        nested = payload.get("headers")
        source = {**payload, **nested} if isinstance(nested, dict) else payload
        lowered = {str(k).lower().replace("_", "-"): v for k, v in source.items()}

        def get(name: str) -> str | None:
            value = lowered.get(name)
            if value is None and name.startswith("x-"):
                value = lowered.get(name[2:])
            return value if isinstance(value, str) else None

        return cls.from_headers(get)


def effective(level: Level, keys: KeyConfig) -> Effective:
    if level == "halyrd_read":
        return "public" if keys.halyrd_open else "api"
    if level == "halyrd_write":
        return "public" if keys.halyrd_open else "operator"
    return level


def strictest(levels: set[Level] | frozenset[Level], keys: KeyConfig) -> Effective:
    """The level a caller needs to touch everything in `levels`."""
    return max(
        (effective(level, keys) for level in levels), key=_RANK.__getitem__, default="public"
    )


def same_key(presented: str | None, configured: str) -> bool:
    """Constant time, and independent of the presented key's length."""
    if presented is None:
        return False
    return hmac.compare_digest(
        hashlib.sha256(presented.encode()).digest(), hashlib.sha256(configured.encode()).digest()
    )


def check_api_key(presented: Presented, keys: KeyConfig) -> None:
    """The baseline key; with FORVEN_API_KEY unset the API is open (a warning at start)."""
    if keys.api_key is not None and not same_key(presented.api_key, keys.api_key):
        raise Unauthorized(
            "missing or invalid API key: send x-api-key or Authorization: Bearer <key>",
            code="INVALID_API_KEY",
        )


def check_operator_key(presented: Presented, keys: KeyConfig) -> None:
    """The operator gate: 503 when no operator key is configured, 401 when it does not match."""
    if keys.operator_key is None:
        raise Unavailable(
            "this route needs the operator key, and FORVEN_OPERATOR_KEY is not configured",
            code="OPERATOR_KEY_NOT_CONFIGURED",
        )
    if not same_key(presented.operator_key, keys.operator_key):
        raise Unauthorized(
            "missing or invalid operator key: send x-operator-key", code="INVALID_OPERATOR_KEY"
        )


def authorize(level: Level | Effective, presented: Presented, keys: KeyConfig) -> None:
    """Raise the refusal a caller with `presented` keys gets at `level`, if any."""
    needed = effective(level, keys)
    if needed == "public":
        return
    check_api_key(presented, keys)
    if needed == "operator":
        check_operator_key(presented, keys)
