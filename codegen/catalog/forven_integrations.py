"""Forven (seed 000): MCP servers & tool grants, and the bot factory.

Every MCP route is operator-gated (the Forven default): a stdio server is a command this machine
runs. The lab itself is also an MCP server, at /mcp (server/mcp_server.py, README).

Bots marked running are re-spawned at startup, with a monitor handling heartbeat and restart
(server/bot_supervisor.py; the bots' rules are in resolvers/bots/bots.py and runtime.py).
"""

from __future__ import annotations

from codegen.catalog.forven_system import PAGING, path_param
from codegen.model import Param, Response, Route
from codegen.route import route
from resolvers.bots import bots, templates
from resolvers.mcp import discovery, grants, registry

SERVER = path_param("name", "str", arg="server_name", what="MCP server name")
AGENT_ID = path_param(kind="str", arg="agent_id", what="agent id")
BOT_ID = path_param(arg="bot_id", what="bot id")
TRANSPORTS = registry.MCP_TRANSPORT.values

SERVER_FIELDS = (
    Param("command", "body", description="stdio: the executable to start"),
    Param("args", "body", "json", schema=list[str], description="stdio: its arguments"),
    Param("env", "body", "json", schema=dict[str, str],
          description="stdio: extra environment (secret: stored sealed, answered masked)"),
    Param("url", "body", description="http: the streamable-HTTP endpoint"),
    Param("headers", "body", "json", schema=dict[str, str],
          description="http: request headers (secret: stored sealed, answered masked)"),
    Param("tools_include", "body", "json", schema=list[str],
          description="tool names to expose (empty: all)"),
    Param("tools_exclude", "body", "json", schema=list[str], description="tool names to hide"),
    Param("description", "body"),
)  # fmt: skip

BOT_FIELDS = (
    ("template", "str", "a strategy family (GET /api/bot-factory/templates)", None),
    ("params", "json", "the family's parameters by name (missing: defaults)", dict[str, float]),
    ("symbol", "str", "one of the template's symbols (default: its symbol)", None),
    ("timeframe", "str", "one of the template's timeframes (default 1h)", None),
    ("risk", "json", "notional, stop_loss_pct, allow_short (missing: defaults)",
     dict[str, float]),
    ("venue", "str", "paper (default) or live", None),
)  # fmt: skip
BOT_BODY_OPTIONAL = (
    Param("name", "body", description="1-100 characters"),
    *(Param(n, "body", t, description=d, schema=s) for n, t, d, s in BOT_FIELDS),
)
BOT_BODY = (
    Param("name", "body", required=True, description="1-100 characters"),
    Param("template", "body", required=True, description=BOT_FIELDS[0][2]),
    *BOT_BODY_OPTIONAL[2:],
)

ROUTES: tuple[Route, ...] = (
    route(
        method="GET", path="/api/mcp/servers", api="forven", router="mcp", op="list_mcp_servers",
        summary="List MCP servers.", state="implemented", resolver=registry.list_mcp_servers,
        response=Response("list", "McpServer"), graphql="mcpServers", graphql_generated=True,
        notes="Every registered server by name; env and header values are masked (********).",
    ),
    route(
        method="POST", path="/api/mcp/servers", api="forven", router="mcp",
        op="register_mcp_server",
        summary="Register an MCP server (stdio/http, with tools_include/exclude).",
        state="implemented", resolver=registry.register_mcp_server,
        params=(
            Param("name", "body", required=True, description="lower-case [a-z0-9_-], <= 64"),
            Param("transport", "body", required=True, enum=TRANSPORTS),
            *SERVER_FIELDS,
        ),
        status=201, response=Response("one", "McpServer"), graphql="mcpServer",
        mutation="registerMcpServer", graphql_generated=True, errors=(409,),
        notes=(
            "OPERATOR KEY ONLY, and on purpose: registering a stdio server is running code on "
            "this machine (the lab starts `command` with `args` as a child process whenever its "
            "tools are discovered or called). The seed names only tools_include/tools_exclude; "
            "the body is name, transport (stdio: command, args, env; http: url, headers), "
            "tools_include (empty: every tool), tools_exclude, description. Nothing is started "
            "on registration. env and header values are secrets: sealed at rest with the key "
            "ring (TRADEGRAPH_SECRET_KEYS or <data dir>/secret.key), answered masked. 422 "
            "(details.field): INVALID_MCP_SERVER_NAME, UNKNOWN_TRANSPORT (GraphQL; REST's "
            "generated body check answers VALIDATION_ERROR), MISSING_COMMAND, "
            "INVALID_ARGS, INVALID_URL (http(s) with a host, no credentials), INVALID_ENV, "
            "INVALID_HEADERS, INVALID_TOOL_FILTER, INVALID_DESCRIPTION, TRANSPORT_FIELD_MISMATCH "
            "(a field of the other transport). 409 MCP_SERVER_EXISTS. Event "
            "mcp_server.registered."
        ),
    ),
    route(
        method="GET", path="/api/mcp/servers/{name}", api="forven", router="mcp",
        op="get_mcp_server", summary="Read an MCP server.", params=(SERVER,),
        state="implemented", resolver=registry.get_mcp_server,
        response=Response("one", "McpServer"), graphql="mcpServer", graphql_generated=True,
        notes="404 MCP_SERVER_NOT_FOUND. Secret values masked.",
    ),
    route(
        method="PUT", path="/api/mcp/servers/{name}", api="forven", router="mcp",
        op="update_mcp_server", summary="Update an MCP server.",
        state="implemented", resolver=registry.update_mcp_server,
        params=(SERVER, Param("transport", "body", enum=TRANSPORTS), *SERVER_FIELDS),
        response=Response("one", "McpServer"), graphql="mcpServer",
        mutation="updateMcpServer", graphql_generated=True,
        notes=(
            "Operator key only (it can change the command the lab runs). The registration "
            "fields, each optional: the ones given replace the stored ones, the others are "
            "kept; the name cannot change. env/headers given replace the whole map, and a "
            "value equal to the mask ******** keeps that name's stored secret, so a GET answer "
            "can be sent back. Switching transport drops the old transport's fields. 404 "
            "MCP_SERVER_NOT_FOUND, the registration's 422 codes. Event mcp_server.updated."
        ),
    ),
    route(
        method="DELETE", path="/api/mcp/servers/{name}", api="forven", router="mcp",
        op="unregister_mcp_server", summary="Unregister an MCP server.", params=(SERVER,),
        state="implemented", resolver=registry.unregister_mcp_server,
        response=Response("one", "McpServer"), graphql="mcpServer",
        mutation="unregisterMcpServer", graphql_generated=True,
        notes=(
            "Answers the deleted server. Cascades: deletes every agent grant for the server. "
            "404 MCP_SERVER_NOT_FOUND. Event mcp_server.deleted."
        ),
    ),
    route(
        method="GET", path="/api/mcp/servers/{name}/tools", api="forven", router="mcp",
        op="discover_mcp_server_tools",
        summary="Live tool discovery (no registration side effect).", params=(SERVER,),
        state="implemented", resolver=discovery.discover_mcp_server_tools,
        response=Response("list", "McpTool"), graphql="mcpServerTools", graphql_generated=True,
        errors=(502, 504),
        notes=(
            "Connects with the official mcp SDK (stdio: starts the command; http: streamable "
            "HTTP with the stored headers), initializes, lists every page of tools and answers "
            "those tools_include/tools_exclude let through; nothing is stored. One deadline "
            "covers it all (TRADEGRAPH_MCP_TIMEOUT, default 10 s); a stdio child is stopped "
            "when it passes. 502 MCP_SERVER_START_FAILED (cannot start or exits first), 502 "
            "MCP_CONNECT_FAILED (http unreachable or an HTTP error: details.status), 502 "
            "MCP_PROTOCOL_ERROR (not MCP JSON-RPC, or an error answer), 504 MCP_TIMEOUT (a hung "
            "server), 404 MCP_SERVER_NOT_FOUND."
        ),
    ),
    route(
        method="GET", path="/api/mcp/agents/{id}/grants", api="forven", router="mcp",
        op="list_mcp_grants", summary="List an agent's MCP server grants.", params=(AGENT_ID,),
        state="implemented", resolver=grants.list_mcp_grants,
        response=Response("list", "McpGrant"), graphql="mcpGrants", graphql_generated=True,
        notes=(
            "The research agent's grants by server: `tools` empty grants every tool the server "
            "exposes. An agent's runs see only granted tools (resolvers/mcp/grants.py). 404 "
            "unknown agent."
        ),
    ),
    route(
        method="POST", path="/api/mcp/agents/{id}/grants", api="forven", router="mcp",
        op="grant_mcp_server", summary="Grant an agent access to an MCP server.",
        state="implemented", resolver=grants.grant_mcp_server,
        params=(
            AGENT_ID,
            Param("server", "body", required=True, description="the registered server's name"),
            Param("tools", "body", "json", schema=list[str],
                  description="the granted tools; omitted or []: every exposed tool"),
        ),
        status=201, response=Response("one", "McpGrant"), graphql="mcpGrants",
        mutation="grantMcpServer", graphql_generated=True,
        notes=(
            "The seed does not name the body: `server` and optional `tools`. Granting a server "
            "already granted replaces its tools (still 201). 404 unknown agent or "
            "MCP_SERVER_NOT_FOUND; 422 INVALID_MCP_SERVER_NAME, INVALID_TOOL_FILTER, "
            "TOOL_NOT_EXPOSED (a tool the server's own filter hides). Event mcp_grant.granted."
        ),
    ),
    route(
        method="DELETE", path="/api/mcp/agents/{id}/grants", api="forven", router="mcp",
        op="revoke_mcp_grant", summary="Revoke an agent's MCP server access.",
        state="implemented", resolver=grants.revoke_mcp_grant,
        params=(
            AGENT_ID,
            Param("server", "body", required=True, description="the server to revoke"),
        ),
        response=Response("one", "McpGrant"), graphql="mcpGrants",
        mutation="revokeMcpGrant", graphql_generated=True,
        notes=(
            "The seed does not say how the grant is named: a JSON body `{\"server\": name}`. "
            "Answers the revoked grant; 404 MCP_GRANT_NOT_FOUND. Event mcp_grant.revoked."
        ),
    ),
    route(
        method="GET", path="/api/bot-factory/bots", api="forven", router="bot_factory",
        op="list_bots", summary="List autonomous trading bots.", state="implemented",
        resolver=bots.list_bots,
        params=(
            Param("include_deleted", "query", "bool", default=False,
                  description="also list deleted bots (their trades are kept)"),
            *PAGING,
        ),
        response=Response("page", "Bot"), graphql="bots", graphql_generated=True,
        notes=(
            "Paged oldest first with keyset cursors. `status` is what the supervisor reports "
            "(stopped, starting, running, restarting, failed, paused), `desired_state` what the "
            "operator asked (running, stopped); heartbeat_at is the supervisor's last sight of "
            "the bot's task alive, `restarts` how often it restarted it, `last_error` why it "
            "last died. Deleted bots (soft delete) only with include_deleted=true."
        ),
    ),
    route(
        method="POST", path="/api/bot-factory/bots", api="forven", router="bot_factory",
        op="create_bot", summary="Create an autonomous trading bot.", status=201,
        state="implemented", resolver=bots.create_bot, params=BOT_BODY,
        response=Response("one", "Bot"), errors=(409,), graphql="bots", mutation="createBot",
        graphql_generated=True,
        notes=(
            "Body: name and template required; params, symbol, timeframe and risk default to "
            "the template's (GET /api/bot-factory/templates); venue paper (default) or live. "
            "Created stopped: POST .../start runs it. 422 with details.field naming the field: "
            "UNKNOWN_TEMPLATE, INVALID_PARAMS (params.<name>, out of bounds, not a number, "
            "unknown, or the family's own rule), UNKNOWN_SYMBOL, UNKNOWN_TIMEFRAME, "
            "INVALID_RISK (risk.<name>), UNKNOWN_VENUE, VALIDATION_ERROR (name). 409 "
            "LIVE_ROUTING_DISABLED for venue live unless the execution mode is live and the "
            "build is not paper-locked (a bot has no lifecycle stage; that is its live gate)."
        ),
    ),
    route(
        method="PUT", path="/api/bot-factory/bots/{id}", api="forven", router="bot_factory",
        op="update_bot", summary="Update a bot.", state="implemented", resolver=bots.update_bot,
        params=(BOT_ID, *BOT_BODY_OPTIONAL), response=Response("one", "Bot"),
        errors=(409,), graphql="bots", mutation="updateBot", graphql_generated=True,
        notes=(
            "Changes the given fields (the create body's, each optional; 422 NOTHING_TO_UPDATE "
            "when none is given), with the same 422/409 codes, also on a running bot: its next "
            "step uses them (a trade on a symbol it no longer trades is closed). A new template "
            "re-checks params against it (params not given take its defaults). 404 for an "
            "unknown or deleted bot."
        ),
    ),
    route(
        method="DELETE", path="/api/bot-factory/bots/{id}", api="forven", router="bot_factory",
        op="delete_bot", summary="Delete a bot.", params=(BOT_ID,), state="implemented",
        resolver=bots.delete_bot, response=Response("one", "Bot"), graphql="bots",
        mutation="deleteBot", graphql_generated=True,
        notes=(
            "Stops a running bot first (bot.stopped), then marks it deleted (soft delete: "
            "deleted_at set; bot.deleted) and answers with it. Its trades keep their bot_id: "
            "GET .../trades and .../positions still answer for it; its open trade, if any, "
            "stays open for the operator (POST /api/trades/{id}/force-close). 404 afterwards "
            "on every other route."
        ),
    ),
    route(
        method="POST", path="/api/bot-factory/bots/{id}/start", api="forven", router="bot_factory",
        op="start_bot", summary="Start a bot.", params=(BOT_ID,), state="implemented",
        resolver=bots.start_bot, response=Response("one", "Bot"), errors=(409,),
        graphql="bots", mutation="startBot", graphql_generated=True,
        notes=(
            "Sets desired_state running and answers 200 with status starting; the supervisor "
            "spawns its task on its next pass. Idempotent: a bot already asked to run answers "
            "unchanged (no event). A failed bot starts again (restarts kept). 409 "
            "LIVE_ROUTING_DISABLED for a live bot while live routing is off. While the system "
            "is paused the bot is paused: no orders until it resumes."
        ),
    ),
    route(
        method="POST", path="/api/bot-factory/bots/{id}/stop", api="forven", router="bot_factory",
        op="stop_bot", summary="Stop a bot.", params=(BOT_ID,), state="implemented",
        resolver=bots.stop_bot, response=Response("one", "Bot"), graphql="bots",
        mutation="stopBot", graphql_generated=True,
        notes=(
            "Sets desired_state and status stopped (200 with the bot; idempotent, a stopped bot "
            "answers unchanged). No order is placed after the stop commits (a step reads the "
            "bot under its lock); the task ends on the supervisor's next pass. Its open "
            "position stays open: a started bot manages it again."
        ),
    ),
    route(
        method="GET", path="/api/bot-factory/bots/{id}/trades", api="forven", router="bot_factory",
        op="list_bot_trades", summary="Bot trades.", params=(BOT_ID, *PAGING),
        state="implemented", resolver=bots.list_bot_trades, response=Response("page", "Trade"),
        graphql="botTrades", graphql_generated=True,
        notes=(
            "The trades the bot made (trades.bot_id), paged oldest first like GET /api/trades: "
            "real fills on the paper exchange (phase paper; live for a live bot). A deleted "
            "bot's trades are kept and listed."
        ),
    ),
    route(
        method="GET", path="/api/bot-factory/bots/{id}/positions", api="forven",
        router="bot_factory", op="list_bot_positions", summary="Bot positions.",
        params=(BOT_ID,), state="implemented", resolver=bots.list_bot_positions,
        response=Response("list", "BotPosition"), graphql="botPositions",
        graphql_generated=True,
        notes=(
            "The bot's open trades (at most one) marked at the market's mid now (lab clock), "
            "with unrealized pnl before exit fees."
        ),
    ),
    route(
        method="GET", path="/api/bot-factory/templates", api="forven", router="bot_factory",
        op="list_bot_templates", summary="Available bot templates.", state="implemented",
        resolver=templates.list_bot_templates, response=Response("list", "BotTemplate"),
        graphql="botTemplates", graphql_generated=True,
        notes=(
            "One per strategy family of the strategy library, read from its own parameter "
            "specs (name, type, default, min, max, description): a family added there is a "
            "template at once. Default symbol: the lab's first tick symbol (any of `symbols`); "
            "default timeframe 1h (any of `timeframes`). Risk settings for every family: "
            "notional (USD per trade, default 1000, 10..1e6), stop_loss_pct (0 = off, up to "
            "50), allow_short (1: trade short targets, 0: long only)."
        ),
    ),
)  # fmt: skip
