"""Per-operation state for resolvers: one session, one lock, fresh DataLoaders; and who is
calling (the keys the transport carried), for the access policy (schema/policy.py).

A WebSocket connection shares one context between its operations, so the per-operation
scope lives in a ContextVar set by the boundary extension rather than on the context.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.access import KeyConfig, Presented
from resolvers.lab.inject import with_lab
from resolvers.lab.services import Lab
from storage.bus import EventBus
from storage.outbox import commit_and_publish, discard_pending
from storage.reads import mark_read_only, untouched

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Services:
    """What the app factory hands every request: database, bus, the lab and settings."""

    session_factory: async_sessionmaker[AsyncSession]
    bus: EventBus | None
    lab: Lab  # the server's one lab; the boundaries pass it to resolvers that take `lab`
    settings: Any = None


class OperationScope:
    """Serializes one operation's database work on a single lazily opened session."""

    def __init__(self, services: Services, *, read_only: bool = False) -> None:
        self.services = services
        self.read_only = read_only  # a query: its reads may take the read path
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()
        self.loaders: dict[str, Any] = {}

    async def run(self, fn: Callable[..., Awaitable[R]], /, **kwargs: Any) -> R:
        """Call a resolver with the operation's session (and the lab, if it takes one), never
        two at once."""
        arguments = with_lab(fn, kwargs, self.services.lab)
        async with self._lock:
            if self._session is None:
                self._session = self.services.session_factory()
                if self.read_only:
                    mark_read_only(self._session)
            return await fn(self._session, **arguments)

    async def finish(self, *, commit: bool) -> None:
        """Commit and publish, or roll back, then close the session."""
        session, self._session = self._session, None
        if session is None or untouched(session):  # nothing to commit, roll back or release
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


def units_of_work(services: Services) -> Callable[[], AbstractAsyncContextManager[AsyncSession]]:
    """Sessions for work that spans several transactions (a streamed deep-dive answer): each
    call's block commits and publishes its events when it ends, or rolls back on an error."""

    @asynccontextmanager
    async def unit() -> AsyncIterator[AsyncSession]:
        async with services.session_factory() as session:
            try:
                yield session
            except BaseException:
                discard_pending(session)
                await session.rollback()
                raise
            bus = services.bus
            await commit_and_publish(session, bus.publish if bus else None)

    return unit


def begin_scope(services: Services, *, read_only: bool = False) -> OperationScope:
    scope = OperationScope(services, read_only=read_only)
    _current.set(scope)
    return scope


@dataclass
class GraphQLContext:
    """The Strawberry context: services plus the transport's request object.

    `request` is the HTTP request or the WebSocket; `connection_params` is a WebSocket's
    `connection_init` payload. A context with neither (an in-process caller) presents no
    keys, so it reaches only what an anonymous caller may: in-process callers pass their
    keys in `connection_params`, the way a browser does.
    """

    services: Services
    request: Any = None
    connection_params: dict[str, Any] = field(default_factory=dict)

    @property
    def keys(self) -> KeyConfig:
        """The configured keys; without settings nothing can be authorized (fail closed)."""
        settings = self.services.settings
        if settings is None:
            raise RuntimeError("no settings in the GraphQL services: cannot tell which keys apply")
        keys: KeyConfig = settings.keys
        return keys

    def presented(self) -> Presented:
        """The keys the caller sent: request (or WebSocket handshake) headers first, each key
        missing there taken from the `connection_init` payload (browsers cannot set WebSocket
        headers)."""
        headers = getattr(self.request, "headers", None)
        sent = Presented.from_headers(headers.get) if headers is not None else Presented()
        if not self.connection_params or None not in (sent.api_key, sent.operator_key):
            return sent
        payload = Presented.from_payload(self.connection_params)
        return Presented(
            api_key=sent.api_key if sent.api_key is not None else payload.api_key,
            operator_key=sent.operator_key
            if sent.operator_key is not None
            else payload.operator_key,
        )

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


def keeps_writes(errors: Sequence[GraphQLError] | None) -> bool:
    """A mutation commits when it raised nothing, or only refusals that are records themselves
    (a blocked order: resolvers/halyrd/refusals.py); any other error rolls everything back."""
    return all(getattr(error.original_error, "persist", False) for error in errors or ())
