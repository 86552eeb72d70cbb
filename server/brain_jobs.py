"""The `brain.chat` job handler: one brain task's three steps, each its own transaction.

resolvers/brain/run.py describes the steps. Each is one ctx.write (its own committed
transaction), so the model answers while no write transaction is open and the progress
heartbeats can write beside it. Progress: 0.1 recalling and reading, 0.4 answering, 0.8
filing and remembering. A DomainError (a provider chain that failed: PROVIDER_*) fails the
task for good with its text; anything else re-queues it while attempts remain. Killed
mid-run, the task waits for the sweeper, which queues it again (resumable: list_resumable
lists it), and the next run starts from step 1; step 3 finds the memory an earlier run
committed and files nothing twice.
"""

from __future__ import annotations

from typing import Any

from resolvers.brain.run import answer, finish, gather
from resolvers.brain.tasks import result_of
from server.job_context import JobRunContext


async def run_brain_chat_job(ctx: JobRunContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Run the task; its result is the answer with what it read and proposed."""
    prompt = str(payload["prompt"])
    await ctx.progress(0.1, "recalling memories and reading the lab")
    gathered = await ctx.write(gather, prompt=prompt)
    await ctx.progress(0.4, "answering")
    answered = await ctx.write(answer, gathered=gathered)
    await ctx.progress(0.8, "filing proposals and writing memory")
    finished = await ctx.write(
        finish,
        gathered=gathered,
        answered=answered,
        propose=payload.get("propose"),
        task_id=ctx.job.id,
    )
    return result_of(gathered, answered, finished)
