"""The `routine.run` job handler: one run of a routine (resolvers/routines.py says what runs).

Two committed writes: the run marked running (event routine.run_started), then the prompt or
tool run and its outcome recorded with its model_calls rows (routine.run_finished). A run
that failed (every provider refusing, a tool refusing its arguments) is recorded on its row
first, then fails the job for good with the same error (a DomainError: another attempt would
meet the same refusal; POST /api/routines/{id}/run again to retry). A crash in between
re-runs it on the next attempt; a run already finished is not run again.
"""

from __future__ import annotations

from typing import Any

from resolvers.routines import RoutineRunFailed, begin_routine_run, execute_routine_run
from server.job_context import JobRunContext


async def run_routine_job(ctx: JobRunContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Run the payload's routine run; the result names the run and its outcome."""
    run_id = int(payload["run_id"])
    started = await ctx.write(begin_routine_run, run_id=run_id)
    if started is None:
        return {"run_id": run_id, "status": "already finished"}
    run = await ctx.write(execute_routine_run, run_id=run_id)
    if run.status == "failed":
        raise RoutineRunFailed(run.error or "the run failed", details={"run_id": run_id})
    return {
        "run_id": run.id,
        "routine_id": run.routine_id,
        "status": run.status,
        "provider": run.provider,
        "model": run.model,
    }
