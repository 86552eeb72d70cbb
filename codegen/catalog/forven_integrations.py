"""Forven (seed 000): MCP servers & tool grants, and the bot factory.

Bots marked running are re-spawned at startup, with a monitor handling heartbeat and restart
(server/bot_supervisor.py; the bots' rules are in resolvers/bots/bots.py and runtime.py).
"""

from __future__ import annotations

from codegen.catalog.forven_system import PAGING, path_param
from codegen.model import Param, Response, Route
from codegen.route import route
from resolvers.bots import bots, templates

SERVER = path_param("name", "str", arg="server_name", what="MCP server name")
AGENT_ID = path_param(kind="str", arg="agent_id", what="agent id")
BOT_ID = path_param(arg="bot_id", what="bot id")
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
