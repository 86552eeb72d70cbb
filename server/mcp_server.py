"""The lab as an MCP server: its tools over MCP streamable HTTP at /mcp.

An MCP client (an IDE assistant, another agent) lists and calls the lab's tools
(resolvers/mcp/lab_tools.py). Keys: the same two-key policy as every other surface. The guard
settles the API key before routing, as on any path; this endpoint then asks for the operator key
on every request (401 INVALID_OPERATOR_KEY, 503 OPERATOR_KEY_NOT_CONFIGURED), because the REST
twins of nearly every tool (strategies, trades, agents, approvals, the verdict) are operator
routes and one session can call any of them. The transport is stateless with JSON answers: each
POST is a whole exchange, so several instances behind a load balancer serve it alike. Each tool
call runs in its own transaction, committed and its events published on success, rolled back on
a refusal, which the client reads as a tool error `{"code", "detail", "details"}`. The only
mutating tool, propose_approval, files a pending approval (the brain's path); nothing else
changes the book.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mcp_types as types
import orjson
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.types import Receive, Scope, Send

from resolvers.access import Presented, authorize
from resolvers.errors import DomainError
from resolvers.mcp.lab_tools import call_lab_tool, lab_tool_specs
from schema.context import Services
from storage.outbox import commit_and_publish, discard_pending

PATH = "/mcp"
NAME = "tradegraph-lab"


def lab_server(services: Callable[[], Services]) -> Server[Any]:
    """The MCP server of the lab's tools, reading the app's services at each call."""
    specs = lab_tool_specs()

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(
            tools=[
                types.Tool(
                    name=spec.name,
                    description=spec.description,
                    input_schema=spec.input_schema,
                    annotations=types.ToolAnnotations(read_only_hint=not spec.mutates),
                )
                for spec in specs
            ]
        )

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        current = services()
        session = current.session_factory()
        try:
            result = await call_lab_tool(
                session, lab=current.lab, name=params.name, arguments=params.arguments or {}
            )
            await commit_and_publish(session, current.bus.publish if current.bus else None)
        except DomainError as exc:
            discard_pending(session)
            await session.rollback()
            error = {"code": exc.code, "detail": exc.message, "details": exc.details}
            return types.CallToolResult(
                content=[types.TextContent(type="text", text=orjson.dumps(error).decode())],
                structured_content=error,
                is_error=True,
            )
        finally:
            await session.close()
        text = orjson.dumps(result).decode()
        structured = result if isinstance(result, dict) else {"result": result}
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=text)],
            structured_content=structured,
        )

    return Server(NAME, version="0.1.0", on_list_tools=list_tools, on_call_tool=call_tool)


class McpEndpoint:
    """The ASGI endpoint at /mcp: the operator key, then the SDK's stateless transport.

    Each request runs in a session manager of its own, entered and left within the request's
    task: nothing outlives the exchange (a stateless POST is the whole exchange), so the app's
    lifespan holds no task group of the SDK's."""

    def __init__(self, services: Callable[[], Services], keys: Any) -> None:
        self.server = lab_server(services)
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            authorize("operator", Presented.from_headers(headers.get), self.keys)
        except DomainError as exc:
            await _refuse(send, exc.status, exc.code, exc.message)
            return
        manager = StreamableHTTPSessionManager(app=self.server, stateless=True, json_response=True)
        async with manager.run():
            await manager.handle_request(scope, receive, send)


async def _refuse(send: Send, status: int, code: str, detail: str) -> None:
    body = orjson.dumps({"code": code, "detail": detail})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="forven"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
