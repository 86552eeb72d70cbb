"""The shutdown coordinator and its middleware, against a scripted ASGI server and app.

The real server and a real client are in tests/e2e/test_shutdown.py; here each step is
observable: what the server was sent, what the handler received, in which order.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from starlette.types import Message, Receive, Scope, Send

from server.shutdown import GracefulServer, Shutdown, ShutdownMiddleware

WS: Scope = {"type": "websocket", "path": "/graphql"}
STEP = 5.0  # generous bound on each awaited step, so a broken test fails instead of hanging


class FakeServer:
    """The server side of one connection: messages for the app in, what it sent out."""

    def __init__(self, log: list[str] | None = None) -> None:
        self.log = log
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.inbox.put_nowait({"type": "websocket.connect"})
        self.sent: list[Message] = []
        self.changed = asyncio.Event()

    async def receive(self) -> Message:
        return await self.inbox.get()

    async def send(self, message: Message) -> None:
        if self.sent and self.sent[-1]["type"] == "websocket.close":
            raise RuntimeError("a real server refuses anything after websocket.close")
        self.sent.append(message)
        if self.log is not None:
            self.log.append(" ".join(str(v) for v in (message["type"], message.get("code")) if v))
        self.changed.set()

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(STEP):
            while len(self.sent) < count:
                self.changed.clear()
                await self.changed.wait()


class EchoApp:
    """A WebSocket handler: accept (once `may_accept` is set), echo text, note the disconnect."""

    def __init__(self) -> None:
        self.may_accept = asyncio.Event()
        self.may_accept.set()
        self.disconnect: Message | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert (await receive())["type"] == "websocket.connect"
        await self.may_accept.wait()
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                self.disconnect = message
                # what Starlette/Strawberry handlers do on their way out; must be harmless
                await send({"type": "websocket.close", "code": 1000})
                return
            await send({"type": "websocket.send", "text": message["text"]})


CLOSE_1001 = {"type": "websocket.close", "code": 1001, "reason": "server shutting down"}


async def start(shutdown: Shutdown, app: Any, server: FakeServer) -> asyncio.Task[None]:
    middleware = ShutdownMiddleware(app, shutdown)
    return asyncio.create_task(middleware(WS, server.receive, server.send))


async def finished(task: asyncio.Task[None]) -> None:
    async with asyncio.timeout(STEP):
        await task


class TestOpenSockets:
    async def test_get_1001_and_their_handler_a_disconnect(self) -> None:
        shutdown, app, server = Shutdown(), EchoApp(), FakeServer()
        task = await start(shutdown, app, server)
        await server.wait_for(1)
        server.inbox.put_nowait({"type": "websocket.receive", "text": "ping"})
        await server.wait_for(2)
        assert len(shutdown.sockets) == 1

        await shutdown.close_websockets()
        await finished(task)

        assert server.sent == [
            {"type": "websocket.accept"},
            {"type": "websocket.send", "text": "ping"},
            CLOSE_1001,  # once: the handler's own close afterwards is dropped
        ]
        assert app.disconnect == {
            "type": "websocket.disconnect",
            "code": 1001,
            "reason": "server shutting down",
        }
        assert shutdown.sockets == set()

    async def test_every_socket_is_closed(self) -> None:
        shutdown = Shutdown()
        pairs = [(EchoApp(), FakeServer()) for _ in range(3)]
        tasks = [await start(shutdown, app, server) for app, server in pairs]
        for _, server in pairs:
            await server.wait_for(1)
        await shutdown.close_websockets()
        for task in tasks:
            await finished(task)
        assert all(server.sent[-1] == CLOSE_1001 for _, server in pairs)

    async def test_a_client_that_stopped_reading_cannot_hold_up_the_others(self) -> None:
        shutdown = Shutdown(goodbye_timeout=0.2)
        stuck, healthy = FakeServer(), FakeServer()
        blocked = asyncio.Event()

        async def send_blocks_after_accept(message: Message) -> None:
            if stuck.sent:
                await blocked.wait()  # a full socket buffer: the write never completes
            await FakeServer.send(stuck, message)

        async def flooding_app(scope: Scope, receive: Receive, send: Send) -> None:
            await receive()
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.send", "text": "tick"})

        stuck_task = asyncio.create_task(
            ShutdownMiddleware(flooding_app, shutdown)(WS, stuck.receive, send_blocks_after_accept)
        )
        healthy_task = await start(shutdown, EchoApp(), healthy)
        await stuck.wait_for(1)
        await healthy.wait_for(1)

        async with asyncio.timeout(STEP):
            await shutdown.close_websockets()
        await finished(healthy_task)
        assert healthy.sent[-1] == CLOSE_1001
        stuck_task.cancel()  # uvicorn drops such a connection itself after the grace period
        await asyncio.gather(stuck_task, return_exceptions=True)


class TestSocketsNotYetOpen:
    async def test_a_handshake_in_progress_is_refused(self) -> None:
        shutdown, app, server = Shutdown(), EchoApp(), FakeServer()
        app.may_accept.clear()
        task = await start(shutdown, app, server)
        async with asyncio.timeout(STEP):  # the handler has read websocket.connect, not accepted
            while not shutdown.sockets:  # noqa: ASYNC110
                await asyncio.sleep(0)
        await shutdown.close_websockets()
        assert server.sent == []
        app.may_accept.set()
        await finished(task)
        # a close before accept: the server answers the handshake with 403
        assert server.sent == [CLOSE_1001]
        assert app.disconnect is not None and app.disconnect["code"] == 1001

    async def test_new_sockets_are_refused_once_shutting_down(self) -> None:
        shutdown, app, server = Shutdown(), EchoApp(), FakeServer()
        await shutdown.close_websockets()
        await finished(await start(shutdown, app, server))
        assert server.sent == [CLOSE_1001]
        assert app.disconnect is None, "the handler never ran"


async def test_http_passes_through_untouched() -> None:
    seen: list[tuple[Scope, Receive, Send]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append((scope, receive, send))

    async def receive() -> Message:
        return {"type": "http.request"}

    async def send(message: Message) -> None:
        pass

    shutdown = Shutdown()
    await shutdown.close_websockets()  # even while shutting down: in-flight requests finish
    scope: Scope = {"type": "http", "method": "POST", "path": "/graphql"}
    await ShutdownMiddleware(app, shutdown)(scope, receive, send)
    assert seen == [(scope, receive, send)]


class TestGracefulServer:
    def server(self, shutdown: Shutdown) -> GracefulServer:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            pass

        return GracefulServer(uvicorn.Config(app, timeout_graceful_shutdown=1), shutdown)

    async def test_the_exit_hook_tells_uvicorn_to_exit(self) -> None:
        shutdown = Shutdown()
        server = self.server(shutdown)
        assert shutdown.request()
        await shutdown.wait()
        assert server.should_exit

    async def test_websockets_get_1001_before_uvicorn_shuts_connections_down(self) -> None:
        order: list[str] = []
        shutdown, app, ws = Shutdown(), EchoApp(), FakeServer(log=order)
        task = await start(shutdown, app, ws)
        await ws.wait_for(1)
        server = self.server(shutdown)

        class Connection:
            """What uvicorn holds per connection; its shutdown() would send 1012 to a socket."""

            def shutdown(self) -> None:
                order.append("uvicorn shuts the connection down")
                server.server_state.connections.discard(self)

        class Lifespan:
            async def shutdown(self) -> None:
                order.append("lifespan shutdown")

        # what startup() would have set; nothing listens in this test
        server.servers = []
        server.lifespan = Lifespan()
        server.server_state.connections.add(Connection())  # type: ignore[arg-type]
        await server.shutdown()
        await finished(task)
        assert order == [
            "websocket.accept",
            "websocket.close 1001",
            "uvicorn shuts the connection down",
            "lifespan shutdown",
        ]
