"""Forven (seed 000): MCP servers & tool grants, and the bot factory.

Bots marked running are re-spawned at startup, with a monitor handling heartbeat and restart.
"""

from __future__ import annotations

from codegen.catalog.forven_system import path_param
from codegen.model import Param, Route
from codegen.route import route

SERVER = path_param("name", "str", arg="server_name", what="MCP server name")
AGENT_ID = path_param(kind="str", arg="agent_id", what="agent id")
BOT_ID = path_param(arg="bot_id", what="bot id")

ROUTES: tuple[Route, ...] = (
    route(
        method="GET", path="/api/mcp/servers", api="forven", router="mcp", op="list_mcp_servers",
        summary="List MCP servers.",
    ),
    route(
        method="POST", path="/api/mcp/servers", api="forven", router="mcp",
        op="register_mcp_server",
        summary="Register an MCP server (stdio/http, with tools_include/exclude).",
        params=(
            Param("tools_include", "body", "json", schema=list[str],
                  description="tool names to expose"),
            Param("tools_exclude", "body", "json", schema=list[str],
                  description="tool names to hide"),
        ),
        body=True, status=201,
        notes=(
            "Only tools_include/tools_exclude are named by the seed; the server's name, transport "
            "(stdio/http) and command/url fields are not, so the body is incomplete here."
        ),
    ),
    route(
        method="GET", path="/api/mcp/servers/{name}", api="forven", router="mcp",
        op="get_mcp_server", summary="Read an MCP server.", params=(SERVER,),
    ),
    route(
        method="PUT", path="/api/mcp/servers/{name}", api="forven", router="mcp",
        op="update_mcp_server", summary="Update an MCP server.", params=(SERVER,), body=True,
        notes="The body fields are not documented (presumably those of registration).",
    ),
    route(
        method="DELETE", path="/api/mcp/servers/{name}", api="forven", router="mcp",
        op="unregister_mcp_server", summary="Unregister an MCP server.", params=(SERVER,),
        notes="Cascades: deletes every agent grant for the server.",
    ),
    route(
        method="GET", path="/api/mcp/servers/{name}/tools", api="forven", router="mcp",
        op="discover_mcp_server_tools",
        summary="Live tool discovery (no registration side effect).", params=(SERVER,),
    ),
    route(
        method="GET", path="/api/mcp/agents/{id}/grants", api="forven", router="mcp",
        op="list_mcp_grants", summary="List an agent's MCP server grants.", params=(AGENT_ID,),
    ),
    route(
        method="POST", path="/api/mcp/agents/{id}/grants", api="forven", router="mcp",
        op="grant_mcp_server", summary="Grant an agent access to an MCP server.",
        params=(AGENT_ID,), body=True, status=201,
        notes="The body (which server) is not documented by field name.",
    ),
    route(
        method="DELETE", path="/api/mcp/agents/{id}/grants", api="forven", router="mcp",
        op="revoke_mcp_grant", summary="Revoke an agent's MCP server access.", params=(AGENT_ID,),
        body=True, notes="How the grant to revoke is named (body or query) is not documented.",
    ),
    route(
        method="GET", path="/api/bot-factory/bots", api="forven", router="bot_factory",
        op="list_bots", summary="List autonomous trading bots.",
    ),
    route(
        method="POST", path="/api/bot-factory/bots", api="forven", router="bot_factory",
        op="create_bot", summary="Create an autonomous trading bot.", body=True, status=201,
        notes="The bot fields are not documented (see GET /api/bot-factory/templates).",
    ),
    route(
        method="PUT", path="/api/bot-factory/bots/{id}", api="forven", router="bot_factory",
        op="update_bot", summary="Update a bot.", params=(BOT_ID,), body=True,
    ),
    route(
        method="DELETE", path="/api/bot-factory/bots/{id}", api="forven", router="bot_factory",
        op="delete_bot", summary="Delete a bot.", params=(BOT_ID,),
    ),
    route(
        method="POST", path="/api/bot-factory/bots/{id}/start", api="forven", router="bot_factory",
        op="start_bot", summary="Start a bot.", params=(BOT_ID,),
    ),
    route(
        method="POST", path="/api/bot-factory/bots/{id}/stop", api="forven", router="bot_factory",
        op="stop_bot", summary="Stop a bot.", params=(BOT_ID,),
    ),
    route(
        method="GET", path="/api/bot-factory/bots/{id}/trades", api="forven", router="bot_factory",
        op="list_bot_trades", summary="Bot trades.", params=(BOT_ID,),
    ),
    route(
        method="GET", path="/api/bot-factory/bots/{id}/positions", api="forven",
        router="bot_factory", op="list_bot_positions", summary="Bot positions.", params=(BOT_ID,),
    ),
    route(
        method="GET", path="/api/bot-factory/templates", api="forven", router="bot_factory",
        op="list_bot_templates", summary="Available bot templates.",
    ),
)  # fmt: skip
