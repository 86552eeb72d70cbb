"""Per-client rate limiting (TRADEGRAPH_RATE_LIMIT) with SlowAPI's Limiter, checked before routing.

The seed installs SlowAPI "when available" and fails open otherwise, so a missing or broken
slowapi/limits install turns the limiter off with one warning per process (`load_slowapi`).

SlowAPI's own middlewares are not used here because they find the endpoint by walking
`app.routes`: FastAPI 0.165 keeps included routers nested, so no REST route is found and every
one is exempt; `/graphql` is an ASGI app without `__name__`, which SlowAPI formats into a name
and fails with a 500; unmatched paths are exempt too; and the walk costs about 4 µs a route.
`RateLimitMiddleware` instead counts every HTTP request by client address alone, in one fixed
window per address shared by REST and `/graphql`, so walking ids across paths cannot dodge it.
It hits `Limiter.limiter` (the limits strategy over SlowAPI's memory storage) with limit items
parsed once at start-up, rather than SlowAPI's per-request path, which re-parses the limit
string and inspects the key function on every request and logs a warning per refusal.
TRADEGRAPH_RATE_LIMIT is the one switch; SlowAPI's RATELIMIT_ENABLED and kin do not apply here.
limits' memory storage starts a 10 ms expiry thread (threading.Timer) on the first hit after
each idle gap, which cost a request arriving after a pause 0.5-2 ms. Fixed windows expire
lazily when read (MemoryStorage.get), so that thread only reclaims memory; it is switched off
(`_inline_expiry`) and the middleware sweeps expired keys itself every SWEEP_EVERY requests.

WebSocket handshakes (GraphQL subscriptions) and lifespan events pass uncounted. Behind a proxy
every client shares the proxy's address unless uvicorn rewrites the client from trusted
forwarding headers; `X-Forwarded-For` itself is never trusted here.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from rest_compat.envelope import error_response

if TYPE_CHECKING:
    from limits import RateLimitItem
    from slowapi import Limiter

log = logging.getLogger("tradegraph.ratelimit")

UNKNOWN_CLIENT = "127.0.0.1"  # SlowAPI's own fallback when the server reports no peer


class SlowAPI(NamedTuple):
    limiter: type[Limiter]
    parse_many: Callable[[str], list[RateLimitItem]]


@cache
def load_slowapi() -> SlowAPI | None:
    """SlowAPI's Limiter and limits' parser, or None after one warning if either cannot load."""
    try:
        from limits import parse_many
        from slowapi import Limiter
    except Exception as exc:  # any failure to load means "not available": fail open
        log.warning(
            "rate limiting is off: slowapi could not be loaded (%s: %s); "
            "TRADEGRAPH_RATE_LIMIT is ignored",
            type(exc).__name__,
            exc,
        )
        return None
    return SlowAPI(Limiter, parse_many)


def client_address(request: Mapping[str, Any]) -> str:
    """The peer's host from an ASGI scope or a Request (SlowAPI passes a Request by this name)."""
    client = request.get("client")
    return str(client[0]) if client and client[0] else UNKNOWN_CLIENT


class InvalidRateLimit(ValueError):
    """A limit SlowAPI cannot enforce; the server reports it as a settings error at start-up."""


def parse_limit(text: str, parse_many: Callable[[str], list[RateLimitItem]]) -> list[RateLimitItem]:
    """The limit items, or InvalidRateLimit; SlowAPI itself would only fail on the first request."""
    try:
        items = parse_many(text)
    except ValueError:
        items = []
    if not items or any(item.amount < 1 for item in items):
        raise InvalidRateLimit(
            f"invalid TRADEGRAPH_RATE_LIMIT (got {text!r}): expected limits such as "
            "'600/second' or '10/second;600/minute', or an empty value to switch it off"
        )
    return items


SWEEP_EVERY = 1024


def _inline_expiry(storage: object) -> Callable[[], None] | None:
    """Stop limits' MemoryStorage from starting its expiry thread; return its sweep instead.

    Name-mangled private API of limits 5: if it is not there, the storage is left as it is.
    """
    sweep = getattr(storage, "_MemoryStorage__expire_events", None)
    if sweep is None or not hasattr(storage, "_MemoryStorage__schedule_expiry"):
        return None
    storage._MemoryStorage__schedule_expiry = lambda: None
    return sweep


class RateLimitMiddleware:
    """Answers 429 in the JSON envelope, with Retry-After, once a client exceeds any limit."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: Limiter,
        items: Sequence[RateLimitItem],
        sweep: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.items = tuple(items)
        self._sweep = sweep
        self._hits = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self._hits += 1
            if self._sweep is not None and self._hits % SWEEP_EVERY == 0:
                self._sweep()  # reclaim keys whose window has passed (a few per client)
            key = client_address(scope)
            strategy = self.limiter.limiter
            for item in self.items:
                if not strategy.hit(item, key):
                    reset = strategy.get_window_stats(item, key).reset_time
                    retry_after = max(1, math.ceil(reset - time.time()))
                    response = error_response(
                        429,
                        "RATE_LIMITED",
                        f"rate limit of {item} exceeded; retry after {retry_after} s",
                        {"Retry-After": str(retry_after)},
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def install_rate_limit(app: FastAPI, rate_limit: str) -> None:
    """Add the limiter as middleware for `rate_limit` (TRADEGRAPH_RATE_LIMIT, e.g. '600/second'),
    unless it is empty or SlowAPI is missing.

    Call it while building the app, before `app.add_middleware(Guard, ...)`: Starlette runs the
    middleware added last outermost, so the guard wraps the limiter. Bad hosts, forged requests
    and missing keys are then refused before they are counted, and a 429 passes back through
    the guard, which adds the CORS headers a browser needs to read it (Retry-After is among
    the exposed headers). Routing comes after both. A second call on the same app does nothing,
    so a caller cannot count each request twice. The Limiter is kept on `app.state.limiter`,
    SlowAPI's convention.
    """
    if not rate_limit.strip() or is_installed(app):
        return
    slowapi = load_slowapi()
    if slowapi is None:
        return
    items = parse_limit(rate_limit, slowapi.parse_many)
    limiter = slowapi.limiter(
        key_func=client_address,
        default_limits=[rate_limit],
        storage_uri="memory://",
        strategy="fixed-window",
    )
    app.state.limiter = limiter
    sweep = _inline_expiry(getattr(limiter, "_storage", None))
    app.add_middleware(RateLimitMiddleware, limiter=limiter, items=items, sweep=sweep)


def is_installed(app: FastAPI) -> bool:
    return any(entry.cls is RateLimitMiddleware for entry in app.user_middleware)
