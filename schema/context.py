"""Per-operation state for resolvers: one session, one lock, fresh DataLoaders.

A WebSocket connection shares one context between its operations, so the per-operation
scope lives in a ContextVar set by the boundary extension rather than on the context.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.bus import EventBus
from storage.outbox import commit_and_publish, discard_pending

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Services:
    """What the app factory hands every request: database, bus and settings."""

    session_factory: async_sessionmaker[AsyncSession]
    bus: EventBus | None
    settings: Any = None


class OperationScope:
    """Serializes one operation's database work on a single lazily opened session."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()
        self.loaders: dict[str, Any] = {}

    async def run(self, fn: Callable[..., Awaitable[R]], /, **kwargs: Any) -> R:
        """Call a resolver with the operation's session, never two at once."""
        async with self._lock:
            if self._session is None:
                self._session = self.services.session_factory()
            return await fn(self._session, **kwargs)

    async def finish(self, *, commit: bool) -> None:
        """Commit and publish, or roll back, then close the session."""
        session, self._session = self._session, None
        if session is None:
            return
        try:
            if commit:
                bus = self.services.bus
                await commit_and_publish(session, bus.publish if bus else None)
            else:
                discard_pending(session)
                await session.rollback()
        finally:
            await session.close()


_current: ContextVar[OperationScope | None] = ContextVar("tradegraph_operation", default=None)


def begin_scope(services: Services) -> OperationScope:
    scope = OperationScope(services)
    _current.set(scope)
    return scope


@dataclass
class GraphQLContext:
    """The Strawberry context: services plus the transport's request object."""

    services: Services
    request: Any = None
    connection_params: dict[str, Any] = field(default_factory=dict)

    @property
    def scope(self) -> OperationScope:
        scope = _current.get()
        if scope is None:
            raise RuntimeError("no operation scope: the boundary extension is not installed")
        return scope

    @property
    def bus(self) -> EventBus:
        if self.services.bus is None:
            raise RuntimeError("no event bus configured")
        return self.services.bus
