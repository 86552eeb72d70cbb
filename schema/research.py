"""The research pipeline's GraphQL subscription: a gauntlet workflow as it runs.

Queries and mutations of datasets, the verdict and the gauntlet are generated from the route
catalog (schema/generated/fields.py); only the subscription, which no route has, lives here.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from resolvers.research.gauntlet import GauntletWorkflowView, get_gauntlet_workflow
from schema.generated.research_gauntlet import GauntletWorkflow
from schema.scalars import int_id
from storage.outbox import EventMessage

TOPICS = ["gauntlet.workflow", "gauntlet.step"]
SETTLED = ("passed", "failed", "cancelled")


def concerns(message: EventMessage, workflow_id: int) -> bool:
    """Whether an event is about the workflow or one of its steps."""
    key = "id" if message.topic == "gauntlet.workflow" else "workflow_id"
    return message.payload.get(key) == workflow_id


@strawberry.type
class ResearchSubscription:
    @strawberry.subscription(
        description="A gauntlet workflow as it runs: its state now, then again after every "
        "change of it or of its steps (status, progress, results); ends once it is passed, "
        "failed or cancelled."
    )
    async def gauntlet_workflow(
        self, info: strawberry.Info, id: strawberry.ID
    ) -> AsyncGenerator[GauntletWorkflow, None]:
        workflow_id = int_id(id)
        sessions = info.context.services.session_factory

        async def current() -> GauntletWorkflowView:
            async with sessions() as session:
                return await get_gauntlet_workflow(session, workflow_id=workflow_id)

        # subscribed before the first read, so no change falls between the two
        async with info.context.bus.subscribe(topics=TOPICS) as stream:
            view = await current()
            yield GauntletWorkflow.of(view)
            if view.status in SETTLED:
                return
            async for message in stream:
                if not concerns(message, workflow_id):
                    continue
                view = await current()
                yield GauntletWorkflow.of(view)
                if view.status in SETTLED:
                    return
