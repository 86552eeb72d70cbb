"""Response shapes of the Halyrd agent beyond Agent, EquitySnapshot and Trade: its records,
evaluation, actions, configuration, identity, backtests and indicators (codegen/shapes.py
holds the rest and the enums)."""

from __future__ import annotations

from codegen.model import Field, Shape

HALYRD_SHAPES: tuple[Shape, ...] = (
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
