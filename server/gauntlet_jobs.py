"""The `gauntlet.step` job handler: one verdict test of a gauntlet workflow per job.

The step is marked running and its bars read in short transactions of their own (a stored
dataset's still Parquet-encoded: decoding and pickling 200,000 decoded bars on the API's loop
cost it ~17 ms per step, the tail of every request meanwhile); the test runs in the executor
(the process pool by default, which decodes them), so the API stays responsive; its outcome and
the workflow's next step are written in one transaction. A test that cannot run on its input
(the dataset was replaced, the bars are too few) ends the step as `error` with the reason, and
the job succeeds: retrying the job would refuse the same way (POST .../retry re-runs the step
once the input is fixed). A crash anywhere re-runs the whole step: the job is recovered by the
sweeper, and begin_step starts it again.
"""

from __future__ import annotations

from typing import Any

from resolvers.errors import DomainError
from resolvers.research.gauntlet_steps import (
    begin_step,
    compute_step,
    finish_step,
    load_step_bars,
    record_step_progress,
)
from resolvers.research.verdict import outcome_of
from server.job_context import JobRunContext


async def run_gauntlet_step(ctx: JobRunContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Run one gauntlet step to its outcome (see the module docstring)."""
    step_id, job_id = int(payload["step_id"]), ctx.job.id
    work = await ctx.write(begin_step, step_id=step_id, job_id=job_id)
    if work is None:
        return {"step_id": step_id, "stale": True}

    async def progress(fraction: float, message: str) -> None:
        await ctx.progress(fraction, message)
        await ctx.write(
            record_step_progress,
            step_id=step_id,
            job_id=job_id,
            progress=fraction,
            message=message,
        )

    try:
        await progress(0.05, f"{work.name}: reading the bars")
        bars = await ctx.write(load_step_bars, dataset=work.dataset)
        await progress(0.1, f"{work.name}: running the test")
        result = await ctx.executor.submit(compute_step, work, bars)
    except (DomainError, ValueError) as exc:
        reason = exc.message if isinstance(exc, DomainError) else str(exc)
        await ctx.write(finish_step, step_id=step_id, job_id=job_id, outcome=None, error=reason)
        return {"step_id": step_id, "error": reason}
    outcome = outcome_of(result)
    await ctx.write(finish_step, step_id=step_id, job_id=job_id, outcome=outcome)
    return {"step_id": step_id, "passed": outcome["passed"]}
