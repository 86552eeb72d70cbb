"""The Halyrd agent's evaluation, configuration and operator actions (seed 002, build-now rows),
its roadmap rows (identity, spawn, backtests, indicators), one extension (manual orders) and
its WebSocket. Reads take the API key, actions the operator key, except on an open loopback
server (codegen/catalog/halyrd.py explains the rule).
"""

from __future__ import annotations

from typing import Any

from codegen.catalog.halyrd import AGENT_ID, READ_ERRORS
from codegen.model import Param, Response, Route

WRITE_ERRORS = (401, 404, 409, 422)
PARENT = Param("parent_id", "body", "int", minimum=1,
               description="branch from this version instead of the active one")  # fmt: skip


def halyrd(method: str, path: str, op: str, summary: str, resolver: str, shape: str | None,
           *params: Param, kind: str = "one", **kw: Any) -> Route:  # fmt: skip
    writes = method != "GET"
    return Route(
        method, path, "halyrd", "halyrd", summary, "operator" if writes else "api", op,
        state="implemented", resolver=resolver, params=params,
        response=Response(kind, shape), writes=writes,  # type: ignore[arg-type]
        errors=kw.pop("errors", WRITE_ERRORS if writes else READ_ERRORS), **kw,
    )  # fmt: skip


ROUTES: tuple[Route, ...] = (
    halyrd(
        "GET",
        "/agents/{id}/evaluation",
        "get_agent_evaluation",
        "Evaluation state and objectives: state, objectives[], window_days_elapsed, "
        "trade_floor, eligible.",
        "halyrd.evaluation:get_evaluation",
        "Evaluation",
        AGENT_ID,
        notes="Each objective's `current` is its worst value within the evaluation window. "
        "The agent becomes ELIGIBLE once the window has elapsed, the trade floor is met and "
        "every objective holds; a breach restarts the window.",
    ),
    halyrd(
        "GET",
        "/agents/{id}/risk/objectives",
        "list_agent_risk_objectives",
        "Risk objectives: rule, current, limit, headroom_pct.",
        "halyrd.risk:list_objectives",
        "Objective",
        AGENT_ID,
        kind="list",
        notes="`current` is the value now; headroom_pct = (limit - current) / limit x 100, "
        "negative once breached. The policy layer refuses new exposure past these limits "
        "(422 RISK_VETO); exits are never vetoed.",
    ),
    halyrd(
        "GET",
        "/agents/{id}/watchlist/candidates",
        "list_watchlist_candidates",
        "Ranked candidates with recommended presets.",
        "halyrd.watchlist:list_candidates",
        "WatchlistCandidates",
        AGENT_ID,
        notes="Scored from the market's own candles at the agent's interval: liquidity, "
        "volatility and trend, each as a percentile rank across the universe.",
    ),
    halyrd(
        "PUT",
        "/agents/{id}/watchlist",
        "put_agent_watchlist",
        "Commit a watchlist selection (new ConfigVersion).",
        "halyrd.watchlist:put_watchlist",
        "ConfigVersion",
        AGENT_ID,
        Param("symbols", "body", "json", required=True, description="list of symbols"),
        PARENT,
        notes="422 WATCHLIST_EMPTY, WATCHLIST_TOO_LONG (over 20), UNKNOWN_SYMBOL, "
        "CONFIG_UNCHANGED, UNKNOWN_CONFIG_VERSION.",
    ),
    halyrd(
        "GET",
        "/agents/{id}/config/versions",
        "list_agent_config_versions",
        "ConfigVersion tree: id, parent_id, params_summary, run_period, outcome.",
        "halyrd.config_versions:list_config_versions",
        "ConfigVersion",
        AGENT_ID,
        kind="list",
        notes="Oldest first. `outcome` is null while a version is active; once superseded "
        "it holds the trades, net pnl, return and drawdown of its run and a verdict "
        "against its parent.",
    ),
    halyrd(
        "PATCH",
        "/agents/{id}/config",
        "patch_agent_config",
        "Patch the evaluation config (new ConfigVersion).",
        "halyrd.config_versions:patch_config",
        "ConfigVersion",
        AGENT_ID,
        Param(
            "evaluation_config_patch",
            "body",
            "json",
            required=True,
            description="deep-merged into the config: risk, evaluation, strategy, quotes, "
            "signing, identity, watchlist, ...",
        ),
        PARENT,
        notes="A bad or unknown setting is 422 naming its dotted field; a patch that "
        "changes nothing is 422 CONFIG_UNCHANGED.",
    ),
    halyrd(
        "POST",
        "/agents/{id}/promote",
        "promote_agent",
        "Promote to LIVE; {force: true} bypasses NOT_ELIGIBLE.",
        "halyrd.lifecycle:promote_agent",
        "Promotion",
        AGENT_ID,
        Param("force", "body", "bool", default=False),
        notes="409 NOT_ELIGIBLE unless ELIGIBLE or forced; 409 DEMOTED while demoted (even "
        "forced); 409 ALREADY_LIVE. Opens a signing session with the local simulated signer "
        "(no network, no real money) and answers the hash of its first transaction.",
    ),
    halyrd(
        "POST",
        "/agents/{id}/demote",
        "demote_agent",
        "Back to PAPER.",
        "halyrd.lifecycle:demote_agent",
        "Demotion",
        AGENT_ID,
        notes="From LIVE or ELIGIBLE; from DEMOTED it is the operator's re-approval; on a "
        "PAPER agent it changes nothing. A fresh evaluation window starts.",
    ),
    halyrd(
        "POST",
        "/agents/{id}/kill-switch",
        "kill_agent",
        "Revoke the signing session; requires {confirm: true}.",
        "halyrd.lifecycle:kill_agent",
        "KillSwitch",
        AGENT_ID,
        Param("confirm", "body", "bool", default=False, description="must be true"),
        notes="422 CONFIRMATION_REQUIRED unless confirm is true. No live order can be "
        "signed afterwards (TWAK_BLOCK session_revoked); a LIVE agent becomes DEMOTED.",
    ),
    halyrd(
        "POST",
        "/agents/{id}/orders",
        "place_agent_order",
        "A manual order through the agent's layers (an extension: not in the seed).",
        "halyrd.orders:place_order_view",
        "AgentOrder",
        AGENT_ID,
        Param("symbol", "body", "str", required=True, min_length=1),
        Param("side", "body", "str", required=True, enum=("buy", "sell")),
        Param("size", "body", "float", required=True, description="base units"),
        status=201,
        errors=(401, 404, 409, 422, 503),
        notes="So that the seed's error table is reachable over HTTP: the order passes the "
        "policy, quote and mode layers and, while LIVE, the signing layer. A refusal answers "
        "422 RISK_VETO, QUOTE_DIVERGENCE, QUOTE_STALE, INSUFFICIENT_LIQUIDITY, "
        "MARKET_MODE_MISMATCH or TWAK_BLOCK with its layer, rule and order_ref, and is "
        "recorded all the same (journal, /risk/blocks, a risk_veto event). While the system "
        "is stopped (POST /api/system/stop) an order that would open or add to a position is "
        "refused with 409 SYSTEM_PAUSED and not recorded; one that only reduces a position "
        "(an exit) still goes through.",
    ),
    halyrd(
        "GET",
        "/agents/{id}/identity",
        "get_agent_identity",
        "ERC-8004 identity fields (roadmap, built).",
        "halyrd.identity:get_identity",
        "Identity",
        AGENT_ID,
        notes="From the agent's configuration (`identity`: chain id, registry, domain) and "
        "its simulated signer's address, in the standard's own names; nothing is "
        "registered on a chain.",
    ),
    halyrd(
        "POST",
        "/agents",
        "spawn_agent",
        "Spawn another agent (roadmap, built).",
        "halyrd.agents:spawn_agent_view",
        "Agent",
        Param("name", "body", "str", required=True, min_length=1),
        Param(
            "id",
            "body",
            "str",
            arg="agent_id",
            description="[a-z0-9-]{1,60}, not `current`; a slug of the name when omitted",
        ),
        Param("market_mode", "body", "MarketMode", default="spot"),
        Param("config", "body", "json", description="config overrides, validated"),
        status=201,
        notes="A new PAPER agent beside the running one; /agents/current still resolves to "
        "the running agent. 409 AGENT_EXISTS, 422 INVALID_AGENT_ID.",
    ),
    halyrd(
        "POST",
        "/backtests",
        "create_backtest",
        "Run a backtest (roadmap, built).",
        "backtests:create_backtest",
        "BacktestCreated",
        Param(
            "spec",
            "body",
            "json",
            required=True,
            description="StrategySpec: family, params, market_mode, interval_seconds",
        ),
        Param(
            "dataset",
            "body",
            "json",
            description="{kind: synthetic, symbol, seed, bars, interval_seconds, start}",
        ),
        Param("agent_id", "body", "str", description="whose objectives gate it (current)"),
        Param("starting_capital", "body", "float"),
        status=201,
        errors=(401, 404, 422),
        notes="Runs to completion before answering; GET /backtests/{id} has the result.",
    ),
    halyrd(
        "GET",
        "/backtests/{id}",
        "get_backtest",
        "Backtest result and gate status (roadmap, built).",
        "backtests:get_backtest",
        "Backtest",
        Param("id", "path", "str", required=True, arg="backtest_id"),
        notes="Gates are the evaluation objectives of the agent (risk limits and trade "
        "floor), each with value, limit and passed.",
    ),
    halyrd(
        "GET",
        "/indicators",
        "list_indicators",
        "The indicator catalog (roadmap, built).",
        "indicators:list_indicators",
        "Indicator",
        kind="list",
        errors=(401, 422),
        notes="Exactly the indicators the built-in strategy families compute.",
    ),
    Route(
        "WS",
        "/agents/{id}/ws",
        "halyrd",
        "halyrd",
        "The agent's live events: equity, trade, journal, risk_veto, status.",
        "api",
        "stream_agent_events",
        state="transport",
        params=(AGENT_ID,),
        notes="Messages are {id, type, ts, data}; `types=equity,trade` keeps a subset; "
        "`since=<id>` replays stored events first. Keys as on the REST routes (headers, or "
        "a first message {type: auth, x-api-key}); closes 4401, 4404 or 4422 on refusal. "
        "GraphQL: subscription agentEvents.",
    ),
)
