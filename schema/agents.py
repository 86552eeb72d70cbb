"""Research Agent type, its queries and the update mutation."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers.agents import get_agent, list_agents, update_agent
from schema.enums import ToolsetContext
from schema.loaders import loader
from storage.agents import Agent as AgentRow


@strawberry.type
class Toolset:
    context: ToolsetContext
    tools: list[str]


@strawberry.type
class Agent:
    id: strawberry.ID
    name: str
    model: str
    description: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: AgentRow) -> Agent:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            model=row.model,
            description=row.description,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="Per-context toolset overrides.")
    async def toolsets(self, info: strawberry.Info) -> list[Toolset]:
        rows = await loader(info.context.scope, "toolsets_by_agent").load(str(self.id))
        return [
            Toolset(context=ToolsetContext(r.context), tools=list(r.tools.get("tools", [])))
            for r in rows
        ]


@strawberry.input
class UpdateAgentInput:
    model: str | None = None
    description: str | None = None


@strawberry.type
class AgentQuery:
    @strawberry.field
    async def agent(self, info: strawberry.Info, id: strawberry.ID) -> Agent:
        return Agent.from_row(await info.context.scope.run(get_agent, agent_id=str(id)))

    @strawberry.field
    async def agents(self, info: strawberry.Info) -> list[Agent]:
        return [Agent.from_row(row) for row in await info.context.scope.run(list_agents)]


@strawberry.type
class AgentMutation:
    @strawberry.mutation(description="Change a research agent's model and/or description.")
    async def update_agent(
        self, info: strawberry.Info, id: strawberry.ID, input: UpdateAgentInput
    ) -> Agent:
        row = await info.context.scope.run(
            update_agent, agent_id=str(id), model=input.model, description=input.description
        )
        return Agent.from_row(row)
