"""Response shapes of the Halyrd agent beyond Agent, EquitySnapshot and Trade: its records,
evaluation, actions, configuration, identity, backtests and indicators (codegen/shapes.py
holds the rest and the enums)."""

from __future__ import annotations

from codegen.model import Field, Shape

HALYRD_SHAPES: tuple[Shape, ...] = (
    Shape(
        "Objective",
        (
            Field("rule", "str"),
            Field("current", "float"),
            Field("limit", "float"),
            Field("headroom_pct", "float", description="(limit - current) / limit x 100"),
            Field("holds", "bool"),
        ),
        "One risk objective (a ceiling) and the room left under it.",
    ),
    Shape(
        "Evaluation",
        (
            Field("state", "AgentStatus"),
            Field("objectives", "list[Objective]", description="worst value in the window"),
            Field("window_days_elapsed", "float"),
            Field("window_days", "float"),
            Field("trade_floor", "int"),
            Field("trades", "int", description="trades closed in the window"),
            Field("eligible", "bool"),
        ),
        "Where the agent stands against its promotion gates.",
    ),
    Shape("IdentityEndpoint", (Field("name", "str"), Field("endpoint", "str")), "An endpoint."),
    Shape(
        "IdentityRegistration",
        (
            Field("agentId", "int", attr="agent_id"),
            Field("agentRegistry", "str", attr="agent_registry"),
        ),
        "One registry entry of the ERC-8004 registration file.",
    ),
    Shape(
        "Identity",
        (
            Field("agentId", "int", attr="agent_id"),
            Field("agentDomain", "str", attr="agent_domain"),
            Field("agentAddress", "str", attr="agent_address"),
            Field(
                "agentRegistry",
                "str",
                attr="agent_registry",
                description="eip155:<chain>:<registry>",
            ),
            Field("chainId", "int", attr="chain_id"),
            Field("name", "str"),
            Field("type", "str"),
            Field("description", "str"),
            Field("endpoints", "list[IdentityEndpoint]"),
            Field("registrations", "list[IdentityRegistration]"),
            Field("supportedTrust", "list[str]", attr="supported_trust"),
        ),
        "ERC-8004 identity fields, in the standard's own (camelCase) names.",
    ),
    Shape(
        "RunPeriod",
        (Field("from", "datetime", attr="from_"), Field("to", "datetime", nullable=True)),
        "When a version ran; `to` is null while it is the active one.",
    ),
    Shape(
        "ConfigVersion",
        (
            Field("id", "int"),
            Field("parent_id", "int", nullable=True),
            Field("change", "str", enum=("initial", "watchlist", "config", "spawn")),
            Field("params_summary", "str"),
            Field("params", "json", description="the whole configuration of this version"),
            Field("run_period", "RunPeriod"),
            Field("outcome", "json", nullable=True, description="null while active"),
            Field("active", "bool"),
            Field("created_at", "datetime"),
        ),
        "One configuration the agent ran with; parent links form a tree.",
    ),
    Shape(
        "Candidate",
        (
            Field("symbol", "str"),
            Field("rank", "int"),
            Field("score", "float"),
            Field("liquidity", "float", description="mean quote notional per bar"),
            Field("volatility", "float", description="annualised stdev of log returns"),
            Field("trend", "float", description="signed efficiency ratio in [-1, 1]"),
            Field("character", "str"),
            Field("selected", "bool", description="on the agent's watchlist now"),
            Field("preset", "str", description="name of the recommended preset"),
        ),
        "A market the agent could trade.",
    ),
    Shape(
        "Preset",
        (
            Field("name", "str"),
            Field("family", "str"),
            Field("params", "json"),
            Field("description", "str"),
            Field("suited_for", "str"),
        ),
        "A recommended strategy setup for one market character.",
    ),
    Shape(
        "WatchlistCandidates",
        (Field("candidates", "list[Candidate]"), Field("presets", "list[Preset]")),
        "Ranked candidates and the presets they point to.",
    ),
    Shape("BacktestCreated", (Field("backtest_id", "int", attr="id"),), "A stored backtest."),
    Shape(
        "Backtest",
        (
            Field("id", "int"),
            Field("status", "str", enum=("completed", "failed")),
            Field("agent_id", "str", nullable=True, attr="trading_agent_id"),
            Field("spec", "json"),
            Field("dataset", "json"),
            Field("result", "json", description="metrics: net_pnl, return_pct, max_drawdown, ..."),
            Field("gates", "json", description="[{rule, value, limit, passed}]"),
            Field("passed", "bool"),
            Field("created_at", "datetime"),
            Field("finished_at", "datetime", nullable=True),
        ),
        "A backtest and its gate status.",
    ),
    Shape(
        "IndicatorParam",
        (Field("name", "str"), Field("default", "float", nullable=True)),
        "A tunable argument (default null when required).",
    ),
    Shape(
        "Indicator",
        (
            Field("name", "str"),
            Field("title", "str"),
            Field("description", "str"),
            Field("inputs", "list[str]"),
            Field("params", "list[IndicatorParam]"),
            Field("outputs", "list[str]"),
            Field("used_by", "list[str]", description="strategy families that compute it"),
        ),
        "An indicator the built-in strategies compute.",
    ),
)
