"""The lab's agent tools: each a real resolver an agent run may call, and the grants per context.

Agents never place trades or task each other directly: a tool either reads the lab or proposes
an action through the approval queue (`mutates=True` marks the proposing ones; none of them
acts on its own). An agent's run sees only the tools its context grants: the agent's override
for that context when one is stored (PUT /api/agents/{id}/toolsets/{context}), else the
context's default below. The brain and MCP runs ask `tools_for`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers import agents, approvals, readiness, skills, strategies, trades
from resolvers.choices import TOOLSET_CONTEXT
from resolvers.errors import InvalidInput, NotFound
from resolvers.research import datasets, gauntlet, verdict
from resolvers.views import View, to_payload
from storage.agents import Agent, AgentToolset
from storage.outbox import append_event


@dataclass(frozen=True, slots=True)
class Tool:
    """One tool: its name, what it does, the resolver it calls and whether it proposes."""

    name: str
    description: str
    resolver: Callable[..., Awaitable[Any]]
    mutates: bool = False  # True: it files an approval, never the action itself


TOOLS: tuple[Tool, ...] = (
    Tool("list_strategies", "List strategies by stage, status, symbol or name.",
         strategies.list_strategies),
    Tool("get_strategy", "Read one strategy.", strategies.get_strategy),
    Tool("get_strategy_readiness", "Read a strategy's promotion-readiness checklist.",
         readiness.get_strategy_readiness),
    Tool("run_verdict", "Run the validation battery on a strategy and record its verdict.",
         verdict.run_verdict),
    Tool("get_gauntlet_workflow", "Read a gauntlet workflow and its steps.",
         gauntlet.get_gauntlet_workflow),
    Tool("list_datasets", "List the OHLCV datasets.", datasets.list_datasets),
    Tool("list_trades", "List trades by status, phase or strategy.", trades.list_trades),
    Tool("list_agents", "List the research agents.", agents.list_agents),
    Tool("get_agent", "Read one research agent.", agents.get_agent),
    Tool("list_approvals", "List approvals by status, type, target or owner.",
         approvals.list_approvals),
    Tool("list_skills", "The quant skills with their backtest, paper and live figures.",
         skills.list_skills),
    Tool("get_skill", "One quant skill's figures.", skills.get_skill),
    Tool("list_declining_skills", "Skills whose recent trading falls short of their backtests.",
         skills.list_declining_skills),
    Tool("propose_approval", "Propose an action: it waits in the approval queue for a decision.",
         approvals.create_approval, mutates=True),
)  # fmt: skip

TOOLS_BY_NAME: Mapping[str, Tool] = {tool.name: tool for tool in TOOLS}

READS = tuple(tool.name for tool in TOOLS if not tool.mutates)

# the defaults a context grants when the agent has no override there
DEFAULT_TOOLSETS: Mapping[str, tuple[str, ...]] = {
    # unattended runs: read the book and propose, nothing that runs the battery
    "scheduled": ("list_strategies", "get_strategy", "get_strategy_readiness", "list_trades",
                  "list_declining_skills", "list_approvals", "propose_approval"),
    # an operator is in the loop: every read and proposing
    "interactive": (*READS, "propose_approval"),
    # after a failure: inspect what broke and propose the fix
    "recovery": ("get_strategy", "get_strategy_readiness", "list_trades", "list_approvals",
                 "get_gauntlet_workflow", "propose_approval"),
    # research runs: the strategies, the battery, gauntlets, data and skills
    "research": ("list_strategies", "get_strategy", "run_verdict", "get_gauntlet_workflow",
                 "list_datasets", "list_skills", "get_skill", "propose_approval"),
}  # fmt: skip


def require_context(context: str) -> str:
    """`context` when it is a toolset context, else 422 UNKNOWN_CONTEXT."""
    if context not in TOOLSET_CONTEXT:
        raise InvalidInput(
            f"unknown toolset context {context!r}: one of {', '.join(TOOLSET_CONTEXT)}",
            code="UNKNOWN_CONTEXT",
            details={"context": context, "allowed": list(TOOLSET_CONTEXT)},
        )
    return context


def require_tools(names: Iterable[object]) -> list[str]:
    """The names, deduplicated in order, when each names a tool; else 422 UNKNOWN_TOOL."""
    listed = list(names)
    bad = [n for n in listed if not isinstance(n, str) or n not in TOOLS_BY_NAME]
    if bad:
        raise InvalidInput(
            f"unknown tools: {', '.join(map(str, bad))}",
            code="UNKNOWN_TOOL",
            details={"unknown": bad, "known": list(TOOLS_BY_NAME)},
        )
    return list(dict.fromkeys(str(n) for n in listed))


def granted(override: AgentToolset | None, context: str) -> list[str]:
    """The tool names a context grants: the override's list when set (names no longer in the
    registry dropped), else the default."""
    if override is None:
        return list(DEFAULT_TOOLSETS[context])
    return [n for n in override.tools.get("tools", []) if n in TOOLS_BY_NAME]


async def tools_for(session: AsyncSession, *, agent_id: str, context: str) -> list[Tool]:
    """The tools an agent's run in `context` may call (404 unknown agent, 422 bad context)."""
    require_context(context)
    if await session.get(Agent, agent_id) is None:
        raise NotFound(f"agent {agent_id} not found", details={"id": agent_id})
    override = await session.get(AgentToolset, (agent_id, context))
    return [TOOLS_BY_NAME[name] for name in granted(override, context)]


@dataclass(frozen=True, slots=True)
class AgentToolsetOverride(View):
    """The tools one context grants an agent: its override when set, else the default."""

    agent_id: str
    context: Annotated[str, TOOLSET_CONTEXT]
    overridden: Annotated[bool, "true when the agent's own list replaces the default"]
    tools: Annotated[list[str], "the tools the agent's runs in this context may call"]
    updated_at: Annotated[datetime | None, "when the override was last set; null: default"]


def override_view(agent_id: str, context: str, row: AgentToolset | None) -> AgentToolsetOverride:
    """The view of one context's grant."""
    return AgentToolsetOverride(
        agent_id=agent_id,
        context=context,
        overridden=row is not None,
        tools=granted(row, context),
        updated_at=None if row is None else row.updated_at,
    )


async def list_agent_toolsets(
    session: AsyncSession, *, agent_id: str
) -> list[AgentToolsetOverride]:
    """Every context's grant for an agent, in context order (404 unknown agent)."""
    await agents.agent_row(session, agent_id=agent_id)
    stmt = select(AgentToolset).where(AgentToolset.agent_id == agent_id)
    rows = {row.context: row for row in (await session.execute(stmt)).scalars()}
    return [override_view(agent_id, c, rows.get(c)) for c in TOOLSET_CONTEXT]


async def replace_agent_toolset(
    session: AsyncSession, *, agent_id: str, context: str, tools: object
) -> AgentToolsetOverride:
    """Replace an agent's tools for one context (422 UNKNOWN_CONTEXT, UNKNOWN_TOOL), with an
    `agent.toolset_updated` event carrying the new grant."""
    require_context(context)
    await agents.agent_row(session, agent_id=agent_id)
    if not isinstance(tools, list):
        raise InvalidInput("tools must be a list of tool names", code="INVALID_TOOLS",
                           details={"field": "tools"})  # fmt: skip
    names = require_tools(tools)
    row = await agents.set_agent_toolset(session, agent_id=agent_id, context=context, tools=names)
    view = override_view(agent_id, context, row)
    await append_event(
        session, topic="agent.toolset_updated", entity_id=agent_id, payload=to_payload(view)
    )
    return view
