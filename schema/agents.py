"""Research Agent type, its queries and the update mutation."""

from __future__ import annotations

import strawberry

from resolvers.agents import get_agent, list_agents, update_agent
from schema.enums import ToolsetContext
from schema.extend import extends
from schema.generated import agents as generated
from schema.loaders import loader


@strawberry.type
class Toolset:
    context: ToolsetContext
    tools: list[str]


@extends
class Agent(generated.Agent):
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
        return Agent.of(await info.context.scope.run(get_agent, agent_id=str(id)))

    @strawberry.field
    async def agents(self, info: strawberry.Info) -> list[Agent]:
        return [Agent.of(view) for view in await info.context.scope.run(list_agents)]


@strawberry.type
class AgentMutation:
    @strawberry.mutation(description="Change a research agent's model and/or description.")
    async def update_agent(
        self, info: strawberry.Info, id: strawberry.ID, input: UpdateAgentInput
    ) -> Agent:
        view = await info.context.scope.run(
            update_agent, agent_id=str(id), model=input.model, description=input.description
        )
        return Agent.of(view)
