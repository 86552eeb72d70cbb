"""Graceful shutdown: say goodbye (1001) to every WebSocket, then let uvicorn drain and stop.

Order, whether `POST /api/shutdown` or a signal started it:

1. Every open WebSocket (GraphQL at /graphql, any later feed) gets close code 1001 "going
   away" and its handler a `websocket.disconnect`, through `ShutdownMiddleware`, so no
   endpoint has to register. This happens before uvicorn's own shutdown, which would
   otherwise close them with 1012 "service restart" and tell clients to come back at once.
   New WebSockets are refused from then on.
2. The exit hook (`server.should_exit = True`, set by `tradegraph serve`) lets uvicorn stop
   listening and wait, up to TRADEGRAPH_SHUTDOWN_GRACE seconds, for in-flight requests.
3. uvicorn runs the lifespan's teardown: the event bus stops, the engine is disposed.

The outbox needs no flush of its own: `commit_and_publish` hands a request's events to the
broker before the request answers, and step 2 waits for those requests, so every event a
finished request committed has been published before step 3 stops the bus. A request cut off
by the grace timeout between its commit and its publish leaves a committed, unpublished row;
the events table is the source of truth, so other instances' tail checks deliver it and a
subscriber resuming with `since=` reads it.

Without an exit hook (tests, an app served by someone else) a shutdown request closes the
WebSockets and stops there: it must never end the process it runs in.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("tradegraph.shutdown")

GOING_AWAY = 1001
REASON = "server shutting down"
CLOSE: Message = {"type": "websocket.close", "code": GOING_AWAY, "reason": REASON}
DISCONNECT: Message = {"type": "websocket.disconnect", "code": GOING_AWAY, "reason": REASON}
GOODBYE_TIMEOUT = 2.0  # a client that does not read cannot block the others' close frames


class TrackedSocket:
    """One WebSocket seen through the middleware: its send and receive, and a way to end it."""

    def __init__(self, receive: Receive, send: Send) -> None:
        self._receive = receive
        self._send = send
        self._lock = asyncio.Lock()  # our close frame never interleaves with the app's sends
        self._gone = asyncio.get_running_loop().create_future()
        self._pending: asyncio.Future[Message] | None = None
        self._connected = False
        self._accepted = False
        self._closed = False  # a close has gone out; the server refuses anything after it

    async def receive(self) -> Message:
        """The server's next message, or `websocket.disconnect` once the server is going away.

        A receive that loses the race stays pending for the next call, so nothing is lost.
        """
        if not self._connected:  # the handshake's websocket.connect always goes through
            self._connected = True
            return await self._receive()
        if self._gone.done():
            return DISCONNECT
        if self._pending is None:
            self._pending = asyncio.ensure_future(self._receive())
        await asyncio.wait((self._pending, self._gone), return_when=asyncio.FIRST_COMPLETED)
        if self._pending.done():
            pending, self._pending = self._pending, None
            return pending.result()
        return DISCONNECT

    async def send(self, message: Message) -> None:
        async with self._lock:
            if self._closed:
                return  # we said goodbye already; the handler's own close is moot
            if message["type"] == "websocket.accept" and self._gone.done():
                message = CLOSE  # too late to open: a close before accept rejects the handshake
            if message["type"] == "websocket.accept":
                self._accepted = True
            elif message["type"] == "websocket.close":
                self._closed = True
            await self._send(message)

    async def going_away(self) -> None:
        """Send close 1001 if the socket is open, and let the handler's receive see it end."""
        if not self._gone.done():
            self._gone.set_result(None)
        async with self._lock:
            if self._accepted and not self._closed:
                self._closed = True
                await self._send(CLOSE)

    def release(self) -> None:
        """The handler has returned: drop a receive still waiting on the server."""
        if self._pending is not None:
            self._pending.cancel()


class Shutdown:
    """The shutdown coordinator on `app.state.shutdown`; see the module docstring."""

    def __init__(self, *, goodbye_timeout: float = GOODBYE_TIMEOUT) -> None:
        self.exit_hook: Callable[[], None] | None = None
        self.goodbye_timeout = goodbye_timeout
        self.sockets: set[TrackedSocket] = set()
        self.closing = False
        self._task: asyncio.Task[None] | None = None

    def request(self) -> bool:
        """Start shutting down in the background; False if a shutdown is already under way."""
        if self._task is not None:
            return False
        self._task = asyncio.get_running_loop().create_task(self._run(), name="shutdown")
        return True

    async def wait(self) -> None:
        """Until a requested shutdown has closed the sockets and called the exit hook."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def close_websockets(self) -> None:
        """Refuse new WebSockets and close every open one with 1001."""
        self.closing = True
        await asyncio.gather(*(self._goodbye(tracked) for tracked in list(self.sockets)))

    async def _goodbye(self, tracked: TrackedSocket) -> None:
        try:
            async with asyncio.timeout(self.goodbye_timeout):
                await tracked.going_away()
        except Exception as exc:  # a client already gone, or one that stopped reading
            log.debug("websocket goodbye failed: %r", exc)

    async def _run(self) -> None:
        log.info("shutdown requested: closing %d websocket(s)", len(self.sockets))
        await self.close_websockets()
        if self.exit_hook is None:
            log.warning("shutdown requested, but no server exit hook is set; still running")
            return
        self.exit_hook()


class ShutdownMiddleware:
    """Tracks every WebSocket scope so that `Shutdown` can close it; HTTP passes untouched."""

    def __init__(self, app: ASGIApp, shutdown: Shutdown) -> None:
        self.app = app
        self.shutdown = shutdown

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        if self.shutdown.closing:
            await receive()  # websocket.connect
            await send(CLOSE)  # a close before accept: the server refuses the handshake
            return
        tracked = TrackedSocket(receive, send)
        self.shutdown.sockets.add(tracked)
        try:
            await self.app(scope, tracked.receive, tracked.send)
        finally:
            self.shutdown.sockets.discard(tracked)
            tracked.release()


def install_shutdown(app: FastAPI) -> Shutdown:
    """Put a coordinator on `app.state.shutdown` and its middleware in front of the app."""
    shutdown = Shutdown()
    app.state.shutdown = shutdown
    app.add_middleware(ShutdownMiddleware, shutdown=shutdown)
    return shutdown


class GracefulServer(uvicorn.Server):
    """uvicorn's server, closing WebSockets with 1001 before its own shutdown (signals too)."""

    def __init__(
        self,
        config: uvicorn.Config,
        shutdown: Shutdown,
        *,
        on_started: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(config)
        self.coordinator = shutdown
        self.on_started = on_started
        shutdown.exit_hook = self.request_exit

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's start-up (the lifespan, then listening); `on_started` runs once both
        are done, so what it tells the user (the dev start's keys) already works."""
        await super().startup(sockets)
        if self.started and self.on_started is not None:
            self.on_started()

    def request_exit(self) -> None:
        self.should_exit = True

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await self.coordinator.close_websockets()
        await super().shutdown(sockets)
