"""Parity cases of the MCP registry and grant routes (collected by test_parity.py).

Discovery starts the SDK-written stdio server of tests/resolvers/mcp/stdio_server.py once per
surface. The DELETEs answer what they removed, so their twin is the GraphQL read just before
(READ_BEFORE; tests/rest_compat/test_mcp_routes.py compares them).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tests.rest_compat.parity_kit import (
    Case,
    Ids,
    many,
    normalize,
    one,
    rest_get,
    rest_send,
    selection,
)

FIXTURE = str(Path(__file__).parents[1] / "resolvers" / "mcp" / "stdio_server.py")
STDIO = {
    "name": "parity-stdio",
    "transport": "stdio",
    "command": sys.executable,
    "args": [FIXTURE],
    "env": {"ECHO_SECRET": "hush"},
    "tools_exclude": ["whoami"],
}
HTTP = {
    "name": "parity-new",
    "transport": "http",
    "url": "http://127.0.0.1:9/mcp",
    "headers": {"Authorization": "Bearer not-shown"},
    "tools_include": ["add"],
}
READ_BEFORE = {"unregister_mcp_server", "revoke_mcp_grant"}


def read_grant(ids: Ids, rest: Any) -> tuple[str, Any]:
    """mcpGrants after the POST, the entry of the server it granted."""
    query = f'{{ x: mcpGrants(id: "{ids["agent"]}") {{ {selection("McpGrant")} }} }}'
    return query, lambda data: next(
        grant
        for grant in (normalize("McpGrant", item) for item in data["x"])
        if grant["server"] == rest["server"]
    )


CASES: list[Case] = [
    Case("list_mcp_servers", rest_get("/api/mcp/servers"), many("McpServer", "mcpServers")),
    Case("register_mcp_server", rest_send("POST", "/api/mcp/servers", lambda ids: HTTP),
         one("McpServer", "mcpServer", '(name: "parity-new")')),
    Case("get_mcp_server", rest_get("/api/mcp/servers/parity-stdio"),
         one("McpServer", "mcpServer", '(name: "parity-stdio")')),
    Case("update_mcp_server",
         rest_send("PUT", "/api/mcp/servers/parity-stdio", lambda ids: {"description": "d"}),
         one("McpServer", "mcpServer", '(name: "parity-stdio")')),
    Case("discover_mcp_server_tools", rest_get("/api/mcp/servers/parity-stdio/tools"),
         many("McpTool", "mcpServerTools", '(name: "parity-stdio")')),
    Case("list_mcp_grants", rest_get("/api/mcp/agents/{agent}/grants"),
         many("McpGrant", "mcpGrants", '(id: "{agent}")')),
    Case("grant_mcp_server",
         rest_send("POST", "/api/mcp/agents/{agent}/grants",
                   lambda ids: {"server": "parity-stdio", "tools": ["add"]}),
         read_grant),
]  # fmt: skip


async def prepare(client: Any, ids: Ids) -> Ids:
    """A registered stdio server granted to the demo's first research agent."""
    agent = (await client.get("/api/agents")).json()[0]["id"]
    created = await client.post("/api/mcp/servers", json=STDIO)
    assert created.status_code == 201, created.text
    granted = await client.post(f"/api/mcp/agents/{agent}/grants", json={"server": "parity-stdio"})
    assert granted.status_code == 201, granted.text
    return {"agent": agent}
