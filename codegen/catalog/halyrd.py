"""The Halyrd agent API (seed 002): every row of its endpoint table, roadmap rows included.

Auth: open while the server is loopback-bound and FORVEN_AUTH_REQUIRED is false (as the seed
documents); otherwise reads take the API key and mutations the operator key (DESIGN.md, Auth).
The catalog records the stricter level; the security layer relaxes it on loopback. `/health`
is a Halyrd route like the others (only Forven's `GET /api/health` is always exempt).
"""

from __future__ import annotations

from codegen.model import Param, Response, Route

AGENT_ID = Param("id", "path", "str", required=True, arg="agent_id",
                 description="agent id, or `current` for the running agent")  # fmt: skip
READ_ERRORS = (401, 404, 422)
PLANNED = (401, 404, 422, 501)


def _planned(method: str, path: str, op: str, summary: str, *params: Param, **kw: object) -> Route:
    writes = method != "GET"
    return Route(
        method=method,
        path=path,
        api="halyrd",
        router="halyrd",
        summary=summary,
        auth="operator" if writes else "api",
        operation_id=op,
        params=params,
        errors=PLANNED,
        writes=writes,
        **kw,  # type: ignore[arg-type]
    )


ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/health",
        "halyrd",
        "halyrd",
        "Backend health check.",
        "api",
        "halyrd_health",
        state="transport",
        response=Response("one", "Health"),
    ),  # fmt: skip
    Route(
        "GET",
        "/agents",
        "halyrd",
        "halyrd",
        "Every trading agent (one today).",
        "api",
        "list_agents",
        state="implemented",
        resolver="trading_agents:list_trading_agents",
        response=Response("list", "Agent"),
        errors=(401,),
        graphql="tradingAgents",
    ),  # fmt: skip
    Route(
        "GET",
        "/agents/current",
        "halyrd",
        "halyrd",
        "The running agent (alias of its id).",
        "api",
        "get_current_agent",
        state="implemented",
        resolver="trading_agents:get_trading_agent",
        fixed=(("agent_id", "current"),),
        response=Response("one", "Agent"),
        errors=(401, 404),
        graphql="tradingAgent",
    ),  # fmt: skip
    Route(
        "GET",
        "/agents/{id}",
        "halyrd",
        "halyrd",
        "One agent: id, name, status, phase, market_mode, last_heartbeat.",
        "api",
        "get_agent",
        state="implemented",
        resolver="trading_agents:get_trading_agent",
        params=(AGENT_ID,),
        response=Response("one", "Agent"),
        errors=READ_ERRORS,
        graphql="tradingAgent",
    ),  # fmt: skip
    _planned(
        "GET",
        "/agents/{id}/equity",
        "get_agent_equity",
        "Equity snapshots.",
        AGENT_ID,
        Param("from", "query", "datetime"),
        Param("to", "query", "datetime"),
        Param("interval", "query", "str", description="resample bucket, e.g. 1h"),
        response=Response("list", "EquitySnapshot"),
    ),  # fmt: skip
    Route(
        "GET",
        "/agents/{id}/trades",
        "halyrd",
        "halyrd",
        "The agent's trades by phase.",
        "api",
        "list_agent_trades",
        state="implemented",
        resolver="trades:list_agent_trades",
        params=(
            AGENT_ID,
            Param("phase", "query", "str", default="all", enum=("paper", "live", "all")),
        ),
        response=Response("list", "Trade"),
        errors=READ_ERRORS,
    ),  # fmt: skip
    _planned(
        "GET",
        "/agents/{id}/journal",
        "get_agent_journal",
        "Journal entries, cursor-paginated.",
        AGENT_ID,
        Param("cursor", "query", "str"),
        Param("limit", "query", "int"),
    ),  # fmt: skip
    _planned(
        "GET",
        "/agents/{id}/evaluation",
        "get_agent_evaluation",
        "Evaluation state and objectives.",
        AGENT_ID,
    ),  # fmt: skip
    _planned(
        "GET",
        "/agents/{id}/risk/objectives",
        "list_agent_risk_objectives",
        "Risk objectives: rule, current, limit, headroom_pct.",
        AGENT_ID,
    ),  # fmt: skip
    _planned(
        "GET",
        "/agents/{id}/risk/blocks",
        "list_agent_risk_blocks",
        "Refused orders: ts, layer, rule, reason, order_ref.",
        AGENT_ID,
    ),  # fmt: skip
    _planned(
        "GET",
        "/agents/{id}/watchlist/candidates",
        "list_watchlist_candidates",
        "Ranked candidates with recommended presets.",
        AGENT_ID,
    ),  # fmt: skip
    _planned(
        "PUT",
        "/agents/{id}/watchlist",
        "put_agent_watchlist",
        "Commit a watchlist selection (new ConfigVersion).",
        AGENT_ID,
    ),  # fmt: skip
    _planned(
        "GET",
        "/agents/{id}/config/versions",
        "list_agent_config_versions",
        "ConfigVersion tree: id, parent_id, params_summary, run_period, outcome.",
        AGENT_ID,
    ),  # fmt: skip
    _planned(
        "POST",
        "/agents/{id}/promote",
        "promote_agent",
        "Promote to LIVE; {force: true} bypasses NOT_ELIGIBLE.",
        AGENT_ID,
        Param("force", "body", "bool", default=False),
        notes="409 NOT_ELIGIBLE unless ELIGIBLE or forced; 409 DEMOTED while demoted.",
    ),  # fmt: skip
    _planned("POST", "/agents/{id}/demote", "demote_agent", "Back to PAPER.", AGENT_ID),
    _planned(
        "POST",
        "/agents/{id}/kill-switch",
        "kill_agent",
        "Revoke the signing session; requires {confirm: true}.",
        AGENT_ID,
        Param("confirm", "body", "bool", required=True),
    ),  # fmt: skip
    _planned(
        "PATCH",
        "/agents/{id}/config",
        "patch_agent_config",
        "Patch the evaluation config (new ConfigVersion).",
        AGENT_ID,
        Param("evaluation_config_patch", "body", "json", required=True),
    ),  # fmt: skip
    _planned(
        "GET",
        "/agents/{id}/identity",
        "get_agent_identity",
        "ERC-8004 identity fields (roadmap).",
        AGENT_ID,
    ),  # fmt: skip
    _planned("POST", "/agents", "spawn_agent", "Spawn another agent (roadmap)."),
    _planned("POST", "/backtests", "create_backtest", "Run a backtest (roadmap)."),
    _planned(
        "GET",
        "/backtests/{id}",
        "get_backtest",
        "Backtest result and gate status (roadmap).",
        Param("id", "path", "str", required=True, arg="backtest_id"),
    ),  # fmt: skip
    _planned("GET", "/indicators", "list_indicators", "The indicator catalog (roadmap)."),
)
