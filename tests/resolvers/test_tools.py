"""The tool registry, tools_for's defaults and overrides, and the toolset resolvers."""

from __future__ import annotations

import inspect

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers import approvals, readiness, strategies
from resolvers.agents import create_agent, delete_agent
from resolvers.errors import InvalidInput, NotFound
from resolvers.tools import (
    DEFAULT_TOOLSETS,
    TOOLS,
    TOOLS_BY_NAME,
    list_agent_toolsets,
    replace_agent_toolset,
    tools_for,
)
from server.demo import AGENTS
from storage.agents import AgentToolset
from storage.events import Event


async def agent(session: AsyncSession) -> str:
    await create_agent(session, agent_id="scout", name="Scout", model="lab")
    return "scout"


def test_every_tool_is_a_real_resolver() -> None:
    assert len(TOOLS_BY_NAME) == len(TOOLS)
    for tool in TOOLS:
        assert inspect.iscoroutinefunction(tool.resolver), tool.name
        assert tool.resolver.__module__.startswith("resolvers."), tool.name
        assert tool.description
    assert TOOLS_BY_NAME["get_strategy_readiness"].resolver is readiness.get_strategy_readiness
    assert TOOLS_BY_NAME["list_strategies"].resolver is strategies.list_strategies
    # the one mutating tool only files an approval
    assert [t.name for t in TOOLS if t.mutates] == ["propose_approval"]
    assert TOOLS_BY_NAME["propose_approval"].resolver is approvals.create_approval


def test_defaults_name_real_tools() -> None:
    for names in DEFAULT_TOOLSETS.values():
        assert set(names) <= set(TOOLS_BY_NAME)
    assert set(DEFAULT_TOOLSETS) == {"scheduled", "interactive", "recovery", "research"}
    assert "run_verdict" in DEFAULT_TOOLSETS["research"]
    assert "run_verdict" not in DEFAULT_TOOLSETS["scheduled"]


async def test_tools_for_defaults_then_override(session: AsyncSession) -> None:
    agent_id = await agent(session)
    for context, names in DEFAULT_TOOLSETS.items():
        granted = await tools_for(session, agent_id=agent_id, context=context)
        assert [t.name for t in granted] == list(names)
    await replace_agent_toolset(
        session, agent_id=agent_id, context="scheduled", tools=["list_trades", "get_strategy"]
    )
    granted = await tools_for(session, agent_id=agent_id, context="scheduled")
    assert [t.name for t in granted] == ["list_trades", "get_strategy"]
    assert granted[0] is TOOLS_BY_NAME["list_trades"]
    # other contexts keep their defaults; an empty override grants nothing
    research = await tools_for(session, agent_id=agent_id, context="research")
    assert [t.name for t in research] == list(DEFAULT_TOOLSETS["research"])
    await replace_agent_toolset(session, agent_id=agent_id, context="recovery", tools=[])
    assert await tools_for(session, agent_id=agent_id, context="recovery") == []


async def test_tools_for_refusals(session: AsyncSession) -> None:
    agent_id = await agent(session)
    with pytest.raises(InvalidInput) as bad:
        await tools_for(session, agent_id=agent_id, context="weekend")
    assert bad.value.code == "UNKNOWN_CONTEXT"
    with pytest.raises(NotFound):
        await tools_for(session, agent_id="ghost", context="research")


async def test_list_and_replace(session: AsyncSession) -> None:
    agent_id = await agent(session)
    listed = await list_agent_toolsets(session, agent_id=agent_id)
    assert [(o.context, o.overridden) for o in listed] == [
        ("scheduled", False), ("interactive", False), ("recovery", False), ("research", False)
    ]  # fmt: skip
    assert listed[3].tools == list(DEFAULT_TOOLSETS["research"]) and listed[3].updated_at is None
    put = await replace_agent_toolset(
        session, agent_id=agent_id, context="research", tools=["run_verdict", "run_verdict"]
    )
    assert (put.overridden, put.tools) == (True, ["run_verdict"]) and put.updated_at is not None
    assert (await list_agent_toolsets(session, agent_id=agent_id))[3] == put


@pytest.mark.parametrize(
    ("context", "tools", "code"),
    [
        ("weekend", ["get_strategy"], "UNKNOWN_CONTEXT"),
        ("research", ["get_strategy", "place_order"], "UNKNOWN_TOOL"),
        ("research", "get_strategy", "INVALID_TOOLS"),
        ("research", [5], "UNKNOWN_TOOL"),
    ],
)
async def test_replace_refusals(
    session: AsyncSession, context: str, tools: object, code: str
) -> None:
    agent_id = await agent(session)
    with pytest.raises(InvalidInput) as bad:
        await replace_agent_toolset(session, agent_id=agent_id, context=context, tools=tools)
    assert bad.value.code == code
    if code == "UNKNOWN_TOOL":
        assert "place_order" in str(bad.value) or "5" in str(bad.value)
    assert (await session.execute(select(AgentToolset))).first() is None


async def test_delete_removes_overrides(session: AsyncSession) -> None:
    agent_id = await agent(session)
    await replace_agent_toolset(session, agent_id=agent_id, context="research", tools=[])
    await delete_agent(session, agent_id=agent_id)
    assert (await session.execute(select(AgentToolset))).first() is None
    with pytest.raises(NotFound):
        await list_agent_toolsets(session, agent_id=agent_id)


def test_the_demo_grants_only_real_tools() -> None:
    known = {tool.name for tool in TOOLS}
    for *_, (_context, tools) in AGENTS:
        assert set(tools) <= known, set(tools) - known


async def test_replacing_a_toolset_is_an_event(session: AsyncSession) -> None:
    agent_id = await agent(session)
    await replace_agent_toolset(
        session, agent_id=agent_id, context="research", tools=["list_skills"]
    )
    [event] = (
        await session.execute(select(Event).where(Event.topic == "agent.toolset_updated"))
    ).scalars()
    assert event.entity_id == agent_id
    assert event.payload["context"] == "research"
    assert event.payload["tools"] == ["list_skills"] and event.payload["overridden"] is True
