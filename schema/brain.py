"""The brain's hand-written GraphQL fields: the task reads and the operator's memory writes.

GET /api/brain/chat/{task_id} answers one of two types (202 BrainTask while the task runs, 200
BrainChatResult after), and a generated field answers one: GraphQL splits it in two reads,
`brainTask(taskId)` (the state in any status) and `brainChatResult(taskId)` (the result, null
until the task has finished). Both answer 404 TASK_NOT_FOUND for an id that is no brain task.
`addBrainMemory` and `forgetBrainMemory` are the operator's memory writes (no route has them).
The queue, direct run, overview and memory page are generated from the catalog.
"""

from __future__ import annotations

import strawberry

from resolvers.brain.memory import add_brain_memory, forget_brain_memory
from resolvers.brain.tasks import get_brain_chat_result, get_brain_task
from schema.generated.brain_memory import BrainMemory
from schema.generated.brain_tasks import BrainChatResult, BrainTask
from schema.scalars import int_id


@strawberry.type
class BrainQuery:
    @strawberry.field(
        name="brainTask",
        description="A brain task's state in any status (POST /api/brain/chat's task_id); "
        "404 TASK_NOT_FOUND.",
    )
    async def brain_task(self, info: strawberry.Info, task_id: str) -> BrainTask:
        view = await info.context.scope.run(get_brain_task, task_id=task_id)
        return BrainTask.of(view)

    @strawberry.field(
        name="brainChatResult",
        description="A finished brain task's result (GET /api/brain/chat/{task_id} once it "
        "answers 200); null while it is queued or running; 404 TASK_NOT_FOUND.",
    )
    async def brain_chat_result(
        self, info: strawberry.Info, task_id: str
    ) -> BrainChatResult | None:
        view = await info.context.scope.run(get_brain_chat_result, task_id=task_id)
        return None if view is None else BrainChatResult.of(view)


@strawberry.type
class BrainMutation:
    @strawberry.mutation(
        name="addBrainMemory",
        description="Add a memory the brain recalls from now on (source operator); kind one of "
        "fact, observation, decision, preference (default fact).",
    )
    async def add_brain_memory(
        self,
        info: strawberry.Info,
        content: str,
        kind: str = "fact",
        entity_type: str | None = None,
        entity_id: str | None = None,
    ) -> BrainMemory:
        view = await info.context.scope.run(
            add_brain_memory, content=content, kind=kind, entity_type=entity_type,
            entity_id=entity_id,
        )  # fmt: skip
        return BrainMemory.of(view)

    @strawberry.mutation(
        name="forgetBrainMemory",
        description="Delete a memory, answering it; 404 MEMORY_NOT_FOUND.",
    )
    async def forget_brain_memory(self, info: strawberry.Info, id: strawberry.ID) -> BrainMemory:
        view = await info.context.scope.run(forget_brain_memory, memory_id=int_id(id))
        return BrainMemory.of(view)
