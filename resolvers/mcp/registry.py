"""The MCP server registry: register, read, update and unregister the servers agents may use.

A server is `stdio` (a command, its args and env: the lab starts it as a child process, so
registering one is running code on this machine: the routes take the operator key) or `http`
(a streamable-HTTP URL and request headers). `tools_include` (empty: every tool) and
`tools_exclude` filter what it exposes. Env and header values are secrets: stored sealed
(resolvers/secrets.py), answered as their names with a masked value. On PUT a value equal to
the mask keeps the stored one, so a client can send back what GET gave it. Every change is
an event (mcp_server.registered / updated / deleted) carrying the masked view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict, NotFound
from resolvers.lab.services import Lab
from resolvers.mcp import checks
from resolvers.mcp.grant_views import grant_view
from resolvers.secrets import MASK, SecretStore, mask
from resolvers.views import Choices, View, to_payload
from storage.mcp import MCP_TRANSPORTS, McpGrant, McpServer
from storage.outbox import append_event

MCP_TRANSPORT = Choices("McpTransport", MCP_TRANSPORTS, "how the lab reaches an MCP server")


@dataclass(frozen=True, slots=True)
class McpServerView(View):
    """A registered MCP server; secret values are masked."""

    rest_name = "McpServer"
    graphql_name = "McpServer"

    name: str
    transport: Annotated[str, MCP_TRANSPORT]
    command: Annotated[str | None, "stdio: the executable the lab starts"]
    args: Annotated[list[str], "stdio: its arguments"]
    env: Annotated[dict[str, str], "stdio: extra environment, values masked"]
    url: Annotated[str | None, "http: the streamable-HTTP endpoint"]
    headers: Annotated[dict[str, str], "http: request headers, values masked"]
    tools_include: Annotated[list[str], "the tools exposed; empty: every tool"]
    tools_exclude: Annotated[list[str], "tools hidden even when included"]
    description: str
    created_at: datetime
    updated_at: datetime


def server_view(row: McpServer) -> McpServerView:
    """A row as its view, secret values masked."""
    return McpServerView(
        name=row.name,
        transport=row.transport,
        command=row.command,
        args=list(row.args.get("args", [])),
        env={name: mask(token) for name, token in row.env.items()},
        url=row.url,
        headers={name: mask(token) for name, token in row.headers.items()},
        tools_include=list(row.tools_include.get("tools", [])),
        tools_exclude=list(row.tools_exclude.get("tools", [])),
        description=row.description,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def server_row(session: AsyncSession, *, server_name: str) -> McpServer:
    """The row, or 404 MCP_SERVER_NOT_FOUND."""
    row = await session.get(McpServer, server_name)
    if row is None:
        raise NotFound(
            f"MCP server {server_name!r} is not registered",
            code="MCP_SERVER_NOT_FOUND",
            details={"name": server_name},
        )
    return row


async def list_mcp_servers(session: AsyncSession) -> list[McpServerView]:
    """Every registered MCP server, by name."""
    rows = (await session.execute(select(McpServer).order_by(McpServer.name))).scalars()
    return [server_view(row) for row in rows]


async def get_mcp_server(session: AsyncSession, *, server_name: str) -> McpServerView:
    """One registered MCP server (404 MCP_SERVER_NOT_FOUND)."""
    return server_view(await server_row(session, server_name=server_name))


def _sealed(
    store: SecretStore, given: dict[str, str], stored: dict[str, Any] | None
) -> dict[str, str]:
    """Each value sealed; a value equal to the mask keeps the stored token of that name."""
    kept = stored or {}
    return {
        name: kept[name] if value == MASK and name in kept else store.seal(value)
        for name, value in given.items()
    }


def _apply(row: McpServer, store: SecretStore, fields: dict[str, Any], *, fresh: bool) -> None:
    """Check the merged fields of `row` plus `fields` and write them onto the row."""
    transport = checks.transport(fields.get("transport", row.transport))
    merged = {
        "command": row.command, "args": row.args.get("args"), "env": row.env or None,
        "url": row.url, "headers": row.headers or None,
    }  # fmt: skip
    fresh = fresh or transport != row.transport
    if fresh:
        merged = {}  # a new row, or switching transports: nothing of the old one carries over
    merged.update({k: v for k, v in fields.items() if k in ("command", "args", "env", "url",
                                                                "headers")})  # fmt: skip
    checks.unexpected(transport, merged)
    row.transport = transport
    if transport == "stdio":
        row.command = checks.command(merged.get("command"))
        row.args = {"args": checks.args(merged.get("args"))}
        if "env" in fields or fresh:
            env = checks.secrets("env", fields.get("env"), checks.ENV_NAME)
            row.env = _sealed(store, env, None if fresh else row.env)
        row.url, row.headers = None, {}
    else:
        row.url = checks.url(merged.get("url"))
        if "headers" in fields or fresh:
            headers = checks.secrets("headers", fields.get("headers"), checks.HEADER_NAME)
            row.headers = _sealed(store, headers, None if fresh else row.headers)
        row.command, row.args, row.env = None, {}, {}
    for field in ("tools_include", "tools_exclude"):
        if field in fields:
            setattr(row, field, {"tools": checks.tool_filter(field, fields[field])})
    if "description" in fields:
        row.description = checks.description(fields["description"])


async def register_mcp_server(
    session: AsyncSession,
    *,
    lab: Lab,
    name: Any = None,
    transport: Any = None,
    command: Any = None,
    args: Any = None,
    env: Any = None,
    url: Any = None,
    headers: Any = None,
    tools_include: Any = None,
    tools_exclude: Any = None,
    description: Any = None,
) -> McpServerView:
    """Register a server (422 coded per field, 409 MCP_SERVER_EXISTS); nothing is started."""
    checked = checks.server_name(name)
    fields = {
        "transport": transport, "command": command, "args": args, "env": env, "url": url,
        "headers": headers, "tools_include": tools_include, "tools_exclude": tools_exclude,
        "description": description,
    }  # fmt: skip
    row = McpServer(name=checked, transport="stdio", args={}, env={}, headers={},
                    tools_include={}, tools_exclude={}, description="")  # fmt: skip
    _apply(row, lab.secrets, fields, fresh=True)
    if await session.get(McpServer, checked) is not None:
        raise Conflict(f"MCP server {checked!r} is already registered",
                       code="MCP_SERVER_EXISTS", details={"name": checked})  # fmt: skip
    session.add(row)
    await session.flush()
    view = server_view(row)
    await append_event(session, topic="mcp_server.registered", entity_id=checked,
                       payload=to_payload(view))  # fmt: skip
    return view


async def update_mcp_server(
    session: AsyncSession,
    *,
    lab: Lab,
    server_name: str,
    transport: Any = None,
    command: Any = None,
    args: Any = None,
    env: Any = None,
    url: Any = None,
    headers: Any = None,
    tools_include: Any = None,
    tools_exclude: Any = None,
    description: Any = None,
) -> McpServerView:
    """Change the fields given (the others kept; 404, 422 as on registration)."""
    row = await server_row(session, server_name=server_name)
    given = {
        "transport": transport, "command": command, "args": args, "env": env, "url": url,
        "headers": headers, "tools_include": tools_include, "tools_exclude": tools_exclude,
        "description": description,
    }  # fmt: skip
    _apply(row, lab.secrets, {k: v for k, v in given.items() if v is not None}, fresh=False)
    await session.flush()
    view = server_view(row)
    await append_event(session, topic="mcp_server.updated", entity_id=server_name,
                       payload=to_payload(view))  # fmt: skip
    return view


async def unregister_mcp_server(session: AsyncSession, *, server_name: str) -> McpServerView:
    """Delete a server and, by cascade, every grant naming it (an mcp_grant.revoked event
    each); answers the deleted server."""
    row = await server_row(session, server_name=server_name)
    view = server_view(row)
    stmt = select(McpGrant).where(McpGrant.server_name == server_name)
    for grant in (await session.execute(stmt)).scalars():
        await append_event(session, topic="mcp_grant.revoked", entity_id=grant.agent_id,
                           payload=to_payload(grant_view(grant)))  # fmt: skip
    await session.delete(row)
    await session.flush()
    await append_event(session, topic="mcp_server.deleted", entity_id=server_name,
                       payload=to_payload(view))  # fmt: skip
    return view


async def rotate_mcp_secrets(session: AsyncSession, *, lab: Lab) -> int:
    """Re-seal every stored env and header value with the newest key; the count rotated."""
    count = 0
    for row in (await session.execute(select(McpServer))).scalars():
        row.env = {k: lab.secrets.rotate(v) for k, v in row.env.items()}
        row.headers = {k: lab.secrets.rotate(v) for k, v in row.headers.items()}
        count += len(row.env) + len(row.headers)
    await session.flush()
    return count
