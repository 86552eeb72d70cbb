"""Live tool discovery: connect to a registered server with the `mcp` SDK, initialize, list.

Nothing is stored (no registration side effect). The whole exchange (starting the process or
connecting, the handshake, every page of tools/list) runs under one deadline, the lab's
`mcp_timeout_seconds` (TRADEGRAPH_MCP_TIMEOUT, default 10 s); a stdio child still running when
it passes is stopped by the SDK's shutdown (stdin closed, then SIGTERM, then SIGKILL of its
process tree). Refusals:

- 502 MCP_SERVER_START_FAILED: the command cannot be started, or exits before answering.
- 502 MCP_CONNECT_FAILED: the HTTP endpoint cannot be reached or answers with an HTTP error.
- 502 MCP_PROTOCOL_ERROR: the server sends what is not MCP JSON-RPC, or answers with an error.
- 504 MCP_TIMEOUT: no complete answer before the deadline (a hung server).
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TextIO, TypedDict, cast

import anyio
import httpx2
from mcp import Client
from mcp.client.session import IncomingMessage, MessageHandlerFnT
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import DomainError
from resolvers.lab.services import Lab
from resolvers.mcp.registry import server_row
from resolvers.secrets import SecretStore
from resolvers.views import View
from storage.mcp import McpServer

MAX_PAGES = 50  # a server paging forever is a protocol error, not an endless loop


class McpUnavailable(DomainError):
    """The server could not be used; `code` says why."""

    status = 502


class PropertySchema(TypedDict, total=False):
    """One argument in a tool's JSON Schema (other JSON Schema keywords pass through)."""

    type: str
    title: str
    description: str


class ToolInputSchema(TypedDict, total=False):
    """A tool's input as JSON Schema, as the server sent it."""

    type: str
    title: str
    properties: dict[str, PropertySchema]
    required: list[str]


@dataclass(frozen=True, slots=True)
class McpToolView(View):
    """A tool a registered MCP server exposes (after its include/exclude filter)."""

    rest_name = "McpTool"
    graphql_name = "McpTool"

    server: Annotated[str, "the registered server's name"]
    name: str
    description: str
    input_schema: ToolInputSchema


def exposed(names: Sequence[str], include: Sequence[str], exclude: Sequence[str]) -> list[str]:
    """The names the filters let through: in `include` (when it is not empty), not in
    `exclude`."""
    allowed = set(include)
    return [n for n in names if (not allowed or n in allowed) and n not in set(exclude)]


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


def _refusal(row: McpServer, exc: BaseException) -> DomainError:
    """The coded refusal for what went wrong (the first recognisable cause)."""
    details: dict[str, Any] = {"name": row.name, "transport": row.transport}
    for leaf in _leaves(exc):
        if isinstance(leaf, DomainError):
            return leaf
        if isinstance(leaf, TimeoutError):
            return DomainError(
                f"MCP server {row.name!r} did not answer within the deadline",
                code="MCP_TIMEOUT", status=504, details=details,
            )  # fmt: skip
        if isinstance(leaf, OSError):
            return McpUnavailable(
                f"MCP server {row.name!r} could not be started: {leaf.strerror or leaf}",
                code="MCP_SERVER_START_FAILED", details=details,
            )  # fmt: skip
        if isinstance(leaf, httpx2.HTTPStatusError):
            return McpUnavailable(
                f"MCP server {row.name!r} answered HTTP {leaf.response.status_code}",
                code="MCP_CONNECT_FAILED",
                details={**details, "status": leaf.response.status_code},
            )
        if isinstance(leaf, httpx2.HTTPError):
            return McpUnavailable(
                f"MCP server {row.name!r} cannot be reached: {type(leaf).__name__}",
                code="MCP_CONNECT_FAILED", details=details,
            )  # fmt: skip
        if isinstance(leaf, MCPError) and "closed" in str(leaf).lower():
            code = "MCP_SERVER_START_FAILED" if row.transport == "stdio" else "MCP_CONNECT_FAILED"
            return McpUnavailable(
                f"MCP server {row.name!r} closed the connection before answering",
                code=code, details=details,
            )  # fmt: skip
    return McpUnavailable(
        f"MCP server {row.name!r} does not speak the MCP protocol as expected",
        code="MCP_PROTOCOL_ERROR", details=details,
    )  # fmt: skip


class _BadMessage(Exception):
    """What the server sent could not be read as MCP."""


Handler = MessageHandlerFnT


@asynccontextmanager
async def connect(
    row: McpServer,
    store: SecretStore,
    *,
    on_message: Handler | None = None,
    http_errors: list[int] | None = None,
) -> AsyncIterator[Client]:
    """An initialized SDK client on the registered server (secrets opened only here); the
    statuses of HTTP error answers are appended to `http_errors` (the SDK reports them only as
    a JSON-RPC error)."""
    async with AsyncExitStack() as stack:
        if row.transport == "stdio":
            assert row.command is not None
            env = {name: store.open(token) for name, token in row.env.items()}
            params = StdioServerParameters(
                command=row.command, args=list(row.args.get("args", [])), env=env
            )
            # the child's stderr is its own chatter, not the lab's log (anyio takes DEVNULL)
            transport: Any = stdio_client(params, errlog=cast(TextIO, subprocess.DEVNULL))
        else:
            assert row.url is not None
            headers = {name: store.open(token) for name, token in row.headers.items()}
            http = await stack.enter_async_context(create_mcp_http_client(headers=headers))

            async def note_status(response: httpx2.Response) -> None:
                if response.status_code >= 400 and http_errors is not None:
                    http_errors.append(response.status_code)

            http.event_hooks["response"].append(note_status)
            transport = streamable_http_client(row.url, http_client=http)
        client = Client(transport, mode="legacy", message_handler=on_message, cache=None)
        yield await stack.enter_async_context(client)


async def list_tools(
    row: McpServer,
    store: SecretStore,
    *,
    timeout: float,  # noqa: ASYNC109 (one deadline over the SDK's task groups, set below)
) -> list[tuple[str, str, dict[str, Any]]]:
    """Every tool the server lists (name, description, input schema), unfiltered."""
    found: list[tuple[str, str, dict[str, Any]]] = []
    bad: list[Exception] = []
    http_errors: list[int] = []
    scope = anyio.CancelScope()

    async def on_message(message: IncomingMessage) -> None:
        if isinstance(message, Exception):  # a line the transport could not read as JSON-RPC
            bad.append(message)
            scope.cancel()

    try:
        with anyio.fail_after(timeout), scope:
            async with connect(
                row, store, on_message=on_message, http_errors=http_errors
            ) as client:
                cursor: str | None = None
                for _ in range(MAX_PAGES):
                    page = await client.list_tools(cursor=cursor)
                    found += [(t.name, t.description or "", dict(t.input_schema))
                              for t in page.tools]  # fmt: skip
                    cursor = page.next_cursor
                    if cursor is None:
                        break
                else:
                    raise _BadMessage("tools/list kept paging")
        if bad:
            raise _BadMessage(str(bad[0]))
    except DomainError:
        raise
    except Exception as exc:  # groups too: the SDK's task groups wrap what failed
        if http_errors:
            raise McpUnavailable(
                f"MCP server {row.name!r} answered HTTP {http_errors[0]}",
                code="MCP_CONNECT_FAILED",
                details={"name": row.name, "transport": row.transport, "status": http_errors[0]},
            ) from None
        raise _refusal(row, exc) from None
    return found


async def call_tool(
    row: McpServer,
    store: SecretStore,
    *,
    tool: str,
    arguments: dict[str, Any],
    timeout: float,  # noqa: ASYNC109 (one deadline over the SDK's task groups)
) -> Any:
    """Call one tool on the server under the deadline, refusals coded as for discovery; the
    SDK's CallToolResult (a tool's own failure is `is_error` there, not a refusal)."""
    try:
        with anyio.fail_after(timeout):
            async with connect(row, store) as client:
                return await client.call_tool(tool, arguments)
    except DomainError:
        raise
    except Exception as exc:
        raise _refusal(row, exc) from None


async def discover_mcp_server_tools(
    session: AsyncSession, *, lab: Lab, server_name: str
) -> list[McpToolView]:
    """GET /api/mcp/servers/{name}/tools: the tools the server exposes now, filtered."""
    row = await server_row(session, server_name=server_name)
    tools = await list_tools(row, lab.secrets, timeout=lab.config.mcp_timeout_seconds)
    names = exposed(
        [name for name, _, _ in tools],
        row.tools_include.get("tools", []),
        row.tools_exclude.get("tools", []),
    )
    keep = set(names)
    return [
        McpToolView(
            server=row.name,
            name=name,
            description=text,
            input_schema=cast(ToolInputSchema, schema),
        )  # fmt: skip
        for name, text, schema in tools
        if name in keep
    ]
