"""The view of an agent's MCP grant, shared by the grants and the registry (whose delete
cascades them) without an import cycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from resolvers.views import View
from storage.mcp import McpGrant


@dataclass(frozen=True, slots=True)
class McpGrantView(View):
    """An agent's access to one MCP server."""

    rest_name = "McpGrant"
    graphql_name = "McpGrant"

    agent_id: str
    server: Annotated[str, "the registered server's name"]
    tools: Annotated[list[str], "the granted tools; empty: every tool the server exposes"]
    created_at: datetime


def grant_view(row: McpGrant) -> McpGrantView:
    return McpGrantView(
        agent_id=row.agent_id,
        server=row.server_name,
        tools=list(row.tools.get("tools", [])),
        created_at=row.created_at,
    )
