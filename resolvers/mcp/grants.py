"""Which registered MCP servers (and which of their tools) each research agent may use.

A grant names one server and optionally a subset of its tools (empty: every tool the server
exposes after its own include/exclude filter). An agent's runs see only granted tools:
`agent_mcp_tools` lists them live, `call_agent_mcp_tool` refuses any other (403
MCP_TOOL_NOT_GRANTED) before connecting. Unregistering a server or deleting an agent deletes its
grants (ON DELETE CASCADE). Changes are events: mcp_grant.granted, mcp_grant.revoked.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers import agents
from resolvers.errors import DomainError, NotFound
from resolvers.lab.services import Lab
from resolvers.mcp import checks
from resolvers.mcp.discovery import McpToolView, call_tool, discover_mcp_server_tools, exposed
from resolvers.mcp.grant_views import McpGrantView, grant_view
from resolvers.mcp.registry import server_row
from resolvers.views import to_payload
from storage.base import utcnow
from storage.mcp import McpGrant, McpServer
from storage.outbox import append_event


async def list_mcp_grants(session: AsyncSession, *, agent_id: str) -> list[McpGrantView]:
    """An agent's grants by server name (404 unknown agent)."""
    await agents.agent_row(session, agent_id=agent_id)
    stmt = select(McpGrant).where(McpGrant.agent_id == agent_id).order_by(McpGrant.server_name)
    return [grant_view(row) for row in (await session.execute(stmt)).scalars()]


def _server_field(value: Any) -> str:
    if not isinstance(value, str) or not checks.NAME.match(value):
        raise checks.bad("server", "INVALID_MCP_SERVER_NAME", "server must name a registered "
                         "MCP server")  # fmt: skip
    return value


async def grant_mcp_server(
    session: AsyncSession, *, agent_id: str, server: Any = None, tools: Any = None
) -> McpGrantView:
    """Grant an agent a server (all its tools, or `tools`); a second grant of the same server
    replaces the first. 404 unknown agent or server, 422 TOOL_NOT_EXPOSED for a tool the
    server's own filter hides."""
    await agents.agent_row(session, agent_id=agent_id)
    row = await server_row(session, server_name=_server_field(server))
    names = checks.tool_filter("tools", tools)
    include, exclude = row.tools_include.get("tools", []), row.tools_exclude.get("tools", [])
    hidden = [n for n in names if n not in exposed([n], include, exclude)]
    if hidden:
        raise checks.bad("tools", "TOOL_NOT_EXPOSED",
                         f"the server's filter hides: {', '.join(hidden)}")  # fmt: skip
    grant = await session.get(McpGrant, (agent_id, row.name))
    if grant is None:
        grant = McpGrant(agent_id=agent_id, server_name=row.name, created_at=utcnow())
        session.add(grant)
    grant.tools = {"tools": names}
    await session.flush()
    view = grant_view(grant)
    await append_event(session, topic="mcp_grant.granted", entity_id=agent_id,
                       payload=to_payload(view))  # fmt: skip
    return view


async def revoke_mcp_grant(
    session: AsyncSession, *, agent_id: str, server: Any = None
) -> McpGrantView:
    """Remove an agent's grant of a server; answers the revoked grant (404 MCP_GRANT_NOT_FOUND)."""
    await agents.agent_row(session, agent_id=agent_id)
    name = _server_field(server)
    grant = await session.get(McpGrant, (agent_id, name))
    if grant is None:
        raise NotFound(f"agent {agent_id} has no grant for MCP server {name!r}",
                       code="MCP_GRANT_NOT_FOUND",
                       details={"agent_id": agent_id, "server": name})  # fmt: skip
    view = grant_view(grant)
    await session.delete(grant)
    await session.flush()
    await append_event(session, topic="mcp_grant.revoked", entity_id=agent_id,
                       payload=to_payload(view))  # fmt: skip
    return view


def allows(grant: McpGrant, server: McpServer, tool: str) -> bool:
    """Whether the grant and the server's own filter both let `tool` through."""
    granted = grant.tools.get("tools", [])
    if granted and tool not in granted:
        return False
    return bool(exposed([tool], server.tools_include.get("tools", []),
                        server.tools_exclude.get("tools", [])))  # fmt: skip


async def agent_mcp_tools(session: AsyncSession, *, lab: Lab, agent_id: str) -> list[McpToolView]:
    """Every MCP tool an agent's runs may call, discovered live on each granted server."""
    found: list[McpToolView] = []
    for view in await list_mcp_grants(session, agent_id=agent_id):
        grant = await session.get(McpGrant, (agent_id, view.server))
        server = await server_row(session, server_name=view.server)
        assert grant is not None
        tools = await discover_mcp_server_tools(session, lab=lab, server_name=view.server)
        found += [t for t in tools if allows(grant, server, t.name)]
    return found


async def call_agent_mcp_tool(
    session: AsyncSession,
    *,
    lab: Lab,
    agent_id: str,
    server: str,
    tool: str,
    arguments: dict[str, Any],
) -> Any:
    """Call a granted tool for an agent's run (403 MCP_TOOL_NOT_GRANTED otherwise): the SDK's
    CallToolResult, under the discovery deadline and with its refusal codes."""
    await agents.agent_row(session, agent_id=agent_id)
    row = await server_row(session, server_name=server)
    grant = await session.get(McpGrant, (agent_id, server))
    if grant is None or not allows(grant, row, tool):
        raise DomainError(
            f"agent {agent_id} is not granted {server}/{tool}",
            code="MCP_TOOL_NOT_GRANTED",
            status=403,
            details={"agent_id": agent_id, "server": server, "tool": tool},
        )
    return await call_tool(row, lab.secrets, tool=tool, arguments=arguments,
                           timeout=lab.config.mcp_timeout_seconds)  # fmt: skip
