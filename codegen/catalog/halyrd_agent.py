"""The Halyrd agent's evaluation, configuration and operator actions (seed 002, build-now rows),
its roadmap rows (identity, spawn, backtests, indicators), one extension (manual orders) and
its WebSocket. Reads take the API key, actions the operator key, except on an open loopback
server (codegen/catalog/halyrd.py explains the rule).
"""

from __future__ import annotations

from codegen.catalog.halyrd import AGENT_ID
from codegen.model import Param, Response, Route
from codegen.route import route
from resolvers import backtests, indicators
from resolvers.backtests import Dataset
from resolvers.halyrd import (
    agents,
    config_versions,
    evaluation,
    identity,
    lifecycle,
    orders,
    risk,
    watchlist,
)
from resolvers.halyrd.config import AgentConfig, StrategySpec

PARENT = Param("parent_id", "body", "int", minimum=1,
               description="branch from this version instead of the active one")  # fmt: skip


ROUTES: tuple[Route, ...] = (
    route(
        method="GET", path="/agents/{id}/evaluation", api="halyrd", router="halyrd",
        op="get_agent_evaluation",
        summary=(
            "Evaluation state and objectives: state, objectives[], window_days_elapsed, "
            "trade_floor, eligible."
        ),
        state="implemented", resolver=evaluation.get_evaluation, params=(AGENT_ID,),
        response=Response("one", "Evaluation"),
        notes=(
            "Each objective's `current` is its worst value within the evaluation window. "
            "The agent becomes ELIGIBLE once the window has elapsed, the trade floor is met and "
            "every objective holds; a breach restarts the window."
        ),
    ),
    route(
        method="GET", path="/agents/{id}/risk/objectives", api="halyrd", router="halyrd",
        op="list_agent_risk_objectives",
        summary="Risk objectives: rule, current, limit, headroom_pct.", state="implemented",
        resolver=risk.list_objectives, params=(AGENT_ID,), response=Response("list", "Objective"),
        notes=(
            "`current` is the value now; headroom_pct = (limit - current) / limit x 100, "
            "negative once breached. The policy layer refuses new exposure past these limits "
            "(422 RISK_VETO); exits are never vetoed."
        ),
    ),
    route(
        method="GET", path="/agents/{id}/watchlist/candidates", api="halyrd", router="halyrd",
        op="list_watchlist_candidates", summary="Ranked candidates with recommended presets.",
        state="implemented", resolver=watchlist.list_candidates, params=(AGENT_ID,),
        response=Response("one", "WatchlistCandidates"),
        notes=(
            "Scored from the market's own candles at the agent's interval: liquidity, "
            "volatility and trend, each as a percentile rank across the universe."
        ),
    ),
    route(
        method="PUT", path="/agents/{id}/watchlist", api="halyrd", router="halyrd",
        op="put_agent_watchlist", summary="Commit a watchlist selection (new ConfigVersion).",
        state="implemented", resolver=watchlist.put_watchlist,
        params=(
            AGENT_ID,
            Param("symbols", "body", "json", required=True, schema=list[str],
                  description="the symbols to trade"),
            PARENT,
        ),
        response=Response("one", "ConfigVersion"), errors=(409,),
        mutation="putAgentWatchlist",
        notes=(
            "422 WATCHLIST_EMPTY, WATCHLIST_TOO_LONG (over 20), UNKNOWN_SYMBOL, "
            "CONFIG_UNCHANGED, UNKNOWN_CONFIG_VERSION."
        ),
    ),
    route(
        method="GET", path="/agents/{id}/config/versions", api="halyrd", router="halyrd",
        op="list_agent_config_versions",
        summary="ConfigVersion tree: id, parent_id, params_summary, run_period, outcome.",
        state="implemented", resolver=config_versions.list_config_versions, params=(AGENT_ID,),
        response=Response("list", "ConfigVersion"),
        notes=(
            "Oldest first. `outcome` is null while a version is active; once superseded "
            "it holds the trades, net pnl, return and drawdown of its run and a verdict "
            "against its parent."
        ),
    ),
    route(
        method="PATCH", path="/agents/{id}/config", api="halyrd", router="halyrd",
        op="patch_agent_config", summary="Patch the evaluation config (new ConfigVersion).",
        state="implemented", resolver=config_versions.patch_config,
        params=(
            AGENT_ID,
            Param(
                "evaluation_config_patch",
                "body",
                "json",
                required=True,
                schema=AgentConfig,
                description="deep-merged into the config: risk, evaluation, strategy, quotes, "
                "signing, identity, watchlist, ...",
            ),
            PARENT,
        ),
        response=Response("one", "ConfigVersion"), errors=(409,),
        mutation="patchAgentConfig",
        notes=(
            "A bad or unknown setting is 422 naming its dotted field; a patch that "
            "changes nothing is 422 CONFIG_UNCHANGED."
        ),
    ),
    route(
        method="POST", path="/agents/{id}/promote", api="halyrd", router="halyrd",
        op="promote_agent", summary="Promote to LIVE; {force: true} bypasses NOT_ELIGIBLE.",
        state="implemented", resolver=lifecycle.promote_agent,
        params=(AGENT_ID, Param("force", "body", "bool", default=False)),
        response=Response("one", "Promotion"), errors=(409,),
        mutation="promoteAgent",
        notes=(
            "409 NOT_ELIGIBLE unless ELIGIBLE or forced; 409 DEMOTED while demoted (even "
            "forced); 409 ALREADY_LIVE. Opens a signing session with the local simulated signer "
            "(no network, no real money) and answers the hash of its first transaction."
        ),
    ),
    route(
        method="POST", path="/agents/{id}/demote", api="halyrd", router="halyrd", op="demote_agent",
        summary="Back to PAPER.", state="implemented", resolver=lifecycle.demote_agent,
        params=(AGENT_ID,), response=Response("one", "Demotion"), errors=(409,),
        mutation="demoteAgent",
        notes=(
            "From LIVE or ELIGIBLE; from DEMOTED it is the operator's re-approval; on a "
            "PAPER agent it changes nothing. A fresh evaluation window starts."
        ),
    ),
    route(
        method="POST", path="/agents/{id}/kill-switch", api="halyrd", router="halyrd",
        op="kill_agent", summary="Revoke the signing session; requires {confirm: true}.",
        state="implemented", resolver=lifecycle.kill_agent,
        params=(
            AGENT_ID,
            Param("confirm", "body", "bool", default=False, description="must be true"),
        ),
        response=Response("one", "KillSwitch"), errors=(409,),
        mutation="killAgent",
        notes=(
            "422 CONFIRMATION_REQUIRED unless confirm is true. No live order can be "
            "signed afterwards (TWAK_BLOCK session_revoked); a LIVE agent becomes DEMOTED."
        ),
    ),
    route(
        method="POST", path="/agents/{id}/orders", api="halyrd", router="halyrd",
        op="place_agent_order",
        summary="A manual order through the agent's layers (an extension: not in the seed).",
        state="implemented", resolver=orders.place_order_view,
        params=(
            AGENT_ID,
            Param("symbol", "body", "str", required=True, min_length=1),
            Param("side", "body", "str", required=True, enum=("buy", "sell")),
            Param("size", "body", "float", required=True, description="base units"),
        ),
        status=201, response=Response("one", "AgentOrder"), errors=(409, 503),
        mutation="placeAgentOrder",
        notes=(
            "So that the seed's error table is reachable over HTTP: the order passes the "
            "policy, quote and mode layers and, while LIVE, the signing layer. A refusal answers "
            "422 RISK_VETO, QUOTE_DIVERGENCE, QUOTE_STALE, INSUFFICIENT_LIQUIDITY, "
            "MARKET_MODE_MISMATCH or TWAK_BLOCK with its layer, rule and order_ref, and is "
            "recorded all the same (journal, /risk/blocks, a risk_veto event). While the system "
            "is stopped (POST /api/system/stop) an order that would open or add to a position is "
            "refused with 409 SYSTEM_PAUSED and not recorded; one that only reduces a position "
            "(an exit) still goes through."
        ),
    ),
    route(
        method="GET", path="/agents/{id}/identity", api="halyrd", router="halyrd",
        op="get_agent_identity", summary="ERC-8004 identity fields (roadmap, built).",
        state="implemented", resolver=identity.get_identity, params=(AGENT_ID,),
        response=Response("one", "Identity"),
        notes=(
            "From the agent's configuration (`identity`: chain id, registry, domain) and "
            "its simulated signer's address, in the standard's own names; nothing is "
            "registered on a chain."
        ),
    ),
    route(
        method="POST", path="/agents", api="halyrd", router="halyrd", op="spawn_agent",
        summary="Spawn another agent (roadmap, built).", state="implemented",
        resolver=agents.spawn_agent_view,
        params=(
            Param("name", "body", "str", required=True, min_length=1),
            Param(
                "id",
                "body",
                "str",
                arg="agent_id",
                description="[a-z0-9-]{1,60}, not `current`; a slug of the name when omitted",
            ),
            Param("market_mode", "body", "MarketMode", default="spot"),
            Param("config", "body", "json", schema=AgentConfig,
                  description="config overrides, validated"),
        ),
        status=201, response=Response("one", "Agent"), errors=(404, 409),
        mutation="spawnAgent",
        notes=(
            "A new PAPER agent beside the running one; /agents/current still resolves to "
            "the running agent. 409 AGENT_EXISTS, 422 INVALID_AGENT_ID."
        ),
    ),
    route(
        method="POST", path="/backtests", api="halyrd", router="halyrd", op="create_backtest",
        summary="Run a backtest (roadmap, built).", state="implemented",
        resolver=backtests.create_backtest,
        params=(
            Param(
                "spec",
                "body",
                "json",
                required=True,
                schema=StrategySpec,
                description="the StrategySpec to replay, validated like an agent's `strategy`",
            ),
            Param(
                "dataset",
                "body",
                "json",
                schema=Dataset,
                description=(
                    "the market to replay; by default the agent's first watchlist symbol, seed "
                    "7 from 2026-01-01T00:00Z, 2,000 bars at the spec's interval"
                ),
            ),
            Param("agent_id", "body", "str", description="whose objectives gate it (current)"),
            Param("starting_capital", "body", "float"),
        ),
        status=201, response=Response("one", "BacktestCreated"), errors=(404,),
        mutation="createBacktest",
        notes="Runs to completion before answering; GET /backtests/{id} has the result.",
    ),
    route(
        method="GET", path="/backtests/{id}", api="halyrd", router="halyrd", op="get_backtest",
        summary="Backtest result and gate status (roadmap, built).", state="implemented",
        resolver=backtests.get_backtest,
        params=(Param("id", "path", "str", required=True, arg="backtest_id"),),
        response=Response("one", "Backtest"),
        graphql="backtest",
        notes=(
            "Gates are the evaluation objectives of the agent (risk limits and trade "
            "floor), each with value, limit and passed."
        ),
    ),
    route(
        method="GET", path="/indicators", api="halyrd", router="halyrd", op="list_indicators",
        summary="The indicator catalog (roadmap, built).", state="implemented",
        resolver=indicators.list_indicators, response=Response("list", "Indicator"),
        graphql="indicators",
        notes="Exactly the indicators the built-in strategy families compute.",
    ),
    route(
        method="WS", path="/agents/{id}/ws", api="halyrd", router="halyrd",
        op="stream_agent_events",
        summary="The agent's live events: equity, trade, journal, risk_veto, status.",
        state="transport", params=(AGENT_ID,),
        notes=(
            "Messages are {id, type, ts, data}; `types=equity,trade` keeps a subset; "
            "`since=<id>` replays stored events first. Keys as on the REST routes (headers, or "
            "a first message {type: auth, x-api-key}); closes 4401, 4404 or 4422 on refusal. "
            "GraphQL: subscription agentEvents."
        ),
    ),
)  # fmt: skip
