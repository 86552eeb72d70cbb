"""Forven (seed 000): MCP servers & tool grants, and the bot factory.

Bots marked running are re-spawned at startup, with a monitor handling heartbeat and restart.
"""

from __future__ import annotations

from codegen.catalog.forven_system import forven, path_param
from codegen.model import Param, Route

SERVER = path_param("name", "str", arg="server_name", what="MCP server name")
AGENT_ID = path_param(kind="str", arg="agent_id", what="agent id")
BOT_ID = path_param(arg="bot_id", what="bot id")

ROUTES: tuple[Route, ...] = (
    forven("GET", "/api/mcp/servers", "mcp", "list_mcp_servers", "List MCP servers."),
    forven(
        "POST", "/api/mcp/servers", "mcp", "register_mcp_server",
        "Register an MCP server (stdio/http, with tools_include/exclude).",
        Param("tools_include", "body", "json", description="tool names to expose"),
        Param("tools_exclude", "body", "json", description="tool names to hide"),
        status=201,
        body=True,
        notes=(
            "Only tools_include/tools_exclude are named by the seed; the server's name, transport "
            "(stdio/http) and command/url fields are not, so the body is incomplete here."
        ),
    ),
    forven("GET", "/api/mcp/servers/{name}", "mcp", "get_mcp_server", "Read an MCP server.",
           SERVER),
    forven(
        "PUT", "/api/mcp/servers/{name}", "mcp", "update_mcp_server", "Update an MCP server.",
        SERVER,
        body=True,
        notes="The body fields are not documented (presumably those of registration).",
    ),
    forven(
        "DELETE", "/api/mcp/servers/{name}", "mcp", "unregister_mcp_server",
        "Unregister an MCP server.",
        SERVER,
        notes="Cascades: deletes every agent grant for the server.",
    ),
    forven(
        "GET", "/api/mcp/servers/{name}/tools", "mcp", "discover_mcp_server_tools",
        "Live tool discovery (no registration side effect).",
        SERVER,
    ),
    forven(
        "GET", "/api/mcp/agents/{id}/grants", "mcp", "list_mcp_grants",
        "List an agent's MCP server grants.",
        AGENT_ID,
    ),
    forven(
        "POST", "/api/mcp/agents/{id}/grants", "mcp", "grant_mcp_server",
        "Grant an agent access to an MCP server.",
        AGENT_ID,
        status=201,
        body=True,
        notes="The body (which server) is not documented by field name.",
    ),
    forven(
        "DELETE", "/api/mcp/agents/{id}/grants", "mcp", "revoke_mcp_grant",
        "Revoke an agent's MCP server access.",
        AGENT_ID,
        body=True,
        notes="How the grant to revoke is named (body or query) is not documented.",
    ),
    forven("GET", "/api/bot-factory/bots", "bot_factory", "list_bots",
           "List autonomous trading bots."),
    forven(
        "POST", "/api/bot-factory/bots", "bot_factory", "create_bot",
        "Create an autonomous trading bot.",
        status=201,
        body=True,
        notes="The bot fields are not documented (see GET /api/bot-factory/templates).",
    ),
    forven("PUT", "/api/bot-factory/bots/{id}", "bot_factory", "update_bot", "Update a bot.",
           BOT_ID, body=True),
    forven("DELETE", "/api/bot-factory/bots/{id}", "bot_factory", "delete_bot", "Delete a bot.",
           BOT_ID),
    forven("POST", "/api/bot-factory/bots/{id}/start", "bot_factory", "start_bot",
           "Start a bot.", BOT_ID),
    forven("POST", "/api/bot-factory/bots/{id}/stop", "bot_factory", "stop_bot", "Stop a bot.",
           BOT_ID),
    forven("GET", "/api/bot-factory/bots/{id}/trades", "bot_factory", "list_bot_trades",
           "Bot trades.", BOT_ID),
    forven("GET", "/api/bot-factory/bots/{id}/positions", "bot_factory", "list_bot_positions",
           "Bot positions.", BOT_ID),
    forven("GET", "/api/bot-factory/templates", "bot_factory", "list_bot_templates",
           "Available bot templates."),
)  # fmt: skip
