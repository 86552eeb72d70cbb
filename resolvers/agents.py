"""Forven research agents: list, read, update model and description, toolset overrides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict, InvalidInput, NotFound
from resolvers.validation import require_choice, require_text
from resolvers.views import View, from_row, to_payload
from storage.agents import TOOLSET_CONTEXTS, Agent, AgentToolset
from storage.outbox import append_event


@dataclass(frozen=True, slots=True)
class ResearchAgent(View):
    """A Forven research agent."""

    # `Agent` in GraphQL; REST keeps that name for the Halyrd trading agent
    graphql_name: ClassVar[str | None] = "Agent"

    id: str
    name: str
    model: str
    description: str
    created_at: datetime
    updated_at: datetime


def agent_view(row: Agent) -> ResearchAgent:
    """The API's view of a research agent row."""
    return from_row(ResearchAgent, row)


def agent_payload(row: Agent) -> dict[str, object]:
    """An agent event's payload: the agent as the REST API answers it."""
    return to_payload(agent_view(row))


async def create_agent(
    session: AsyncSession, *, agent_id: str, name: str, model: str, description: str = ""
) -> ResearchAgent:
    """Register a research agent under a slug id."""
    slug = require_text("id", agent_id, max_length=60)
    if not slug.replace("-", "").replace("_", "").isalnum():
        raise InvalidInput("id may hold letters, digits, '-' and '_' only", details={"id": slug})
    if await session.get(Agent, slug) is not None:
        raise Conflict(f"agent {slug} already exists", code="ALREADY_EXISTS")
    row = Agent(
        id=slug,
        name=require_text("name", name, max_length=120),
        model=require_text("model", model, max_length=120),
        description=require_text("description", description, max_length=5000, allow_empty=True),
    )
    session.add(row)
    await session.flush()
    await append_event(session, topic="agent.created", entity_id=row.id, payload=agent_payload(row))
    return agent_view(row)


async def get_agent(session: AsyncSession, *, agent_id: str) -> ResearchAgent:
    """One research agent (404 when unknown)."""
    return agent_view(await agent_row(session, agent_id=agent_id))


async def agent_row(session: AsyncSession, *, agent_id: str) -> Agent:
    row = await session.get(Agent, agent_id)
    if row is None:
        raise NotFound(f"agent {agent_id} not found", details={"id": agent_id})
    return row


async def list_agents(session: AsyncSession) -> list[ResearchAgent]:
    """Every research agent, by id."""
    rows = (await session.execute(select(Agent).order_by(Agent.id))).scalars()
    return [agent_view(row) for row in rows]


async def update_agent(
    session: AsyncSession,
    *,
    agent_id: str,
    model: str | None = None,
    description: str | None = None,
) -> ResearchAgent:
    """Change an agent's model and/or description."""
    if model is None and description is None:
        raise InvalidInput("nothing to update: give model or description")
    row = await agent_row(session, agent_id=agent_id)
    if model is not None:
        row.model = require_text("model", model, max_length=120)
    if description is not None:
        row.description = require_text(
            "description", description, max_length=5000, allow_empty=True
        )
    await session.flush()
    await append_event(session, topic="agent.updated", entity_id=row.id, payload=agent_payload(row))
    return agent_view(row)


async def delete_agent(session: AsyncSession, *, agent_id: str) -> ResearchAgent:
    """Remove a research agent and its toolset overrides; answers the agent as it was."""
    row = await agent_row(session, agent_id=agent_id)
    deleted = agent_view(row)
    await session.delete(row)
    await session.flush()
    await append_event(
        session, topic="agent.deleted", entity_id=agent_id, payload=to_payload(deleted)
    )
    return deleted


async def set_agent_toolset(
    session: AsyncSession, *, agent_id: str, context: str, tools: Sequence[str]
) -> AgentToolset:
    """Replace the agent's tool list for one context, as given: the route's resolver
    (resolvers/tools.py replace_agent_toolset) checks the names against the tool registry."""
    await agent_row(session, agent_id=agent_id)
    require_choice("context", context, TOOLSET_CONTEXTS)
    names = [require_text("tools[]", t, max_length=120) for t in tools]
    row = await session.get(AgentToolset, (agent_id, context))
    if row is None:
        row = AgentToolset(agent_id=agent_id, context=context, tools={"tools": names})
        session.add(row)
    else:
        row.tools = {"tools": names}
    await session.flush()
    return row


async def list_toolsets_by_agent_ids(
    session: AsyncSession, *, agent_ids: Sequence[str]
) -> list[list[AgentToolset]]:
    """Each agent's overrides, by context, in one statement."""
    stmt = (
        select(AgentToolset)
        .where(AgentToolset.agent_id.in_(agent_ids))
        .order_by(AgentToolset.agent_id, AgentToolset.context)
    )
    grouped: dict[str, list[AgentToolset]] = {i: [] for i in agent_ids}
    for row in (await session.execute(stmt)).scalars():
        grouped[row.agent_id].append(row)
    return [grouped[i] for i in agent_ids]
