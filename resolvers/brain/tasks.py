"""Brain chat tasks: queued as `brain.chat` jobs, polled, or run directly.

POST /api/brain/chat queues a job of kind `brain.chat` (payload: the prompt and the request's
`propose`) and answers 202 `BrainTask`; `task_id` is the job's id as a string (so the poll
URL and GraphQL `brainTask(taskId:)` take the same text). GET /api/brain/chat/{task_id}
answers 202 `BrainTask` while the job is queued or running (status, progress and its
message), then 200 `BrainChatResult`: the answer, the tool calls, the proposals, the memories
read and written, provider/model/usage. A task that failed or was cancelled also answers 200,
with status failed or cancelled, no answer, and `error_code`/`error_message`: error_code is
BRAIN_TASK_FAILED (the job's last error is the message, `ExceptionName: text`) or
BRAIN_TASK_CANCELLED. An id that is no integer, no job, or a job of another kind: 404
TASK_NOT_FOUND. POST /api/brain/chat/direct runs the same three steps (resolvers/brain/run.py)
in the request and answers 200 `BrainChatResult` with task_id null.

A task killed mid-run (its worker's process died) stays `running` until its lease lapses;
the sweeper then queues it again with recovered_at set, and `list_resumable(kind="brain.chat")`
(diagnostics) lists it until a worker runs it again from step 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.brain.run import (
    BrainProposal,
    BrainToolCall,
    Scalar,
    answer,
    check_proposal,
    finish,
    gather,
    pick_prompt,
)
from resolvers.errors import NotFound
from resolvers.jobs import JobView, enqueue_job, get_job
from resolvers.lab.services import Lab
from resolvers.views import OneOf, View, jsonable
from storage.base import utcnow
from storage.jobs import FINISHED, JOB_STATUSES

JOB_KIND = "brain.chat"
FINISHED_STATUSES = ("succeeded", "failed", "cancelled")


@dataclass(frozen=True, slots=True)
class BrainTask(View):
    """A brain task's state (HTTP 202 while it is queued or running): where to poll it."""

    http_status: ClassVar[int] = 202  # rest_compat/runtime.py respond() answers with it

    task_id: Annotated[str, "the job's id as a string"]
    status: Annotated[str, OneOf(JOB_STATUSES)]
    progress: Annotated[float, "0 to 1"]
    progress_message: Annotated[str, "the step it is at (recalling, reading, answering, ...)"]
    prompt: str
    poll: Annotated[str, "GET /api/brain/chat/{task_id}: 202 while queued or running, then 200"]
    attempts: Annotated[int, "runs started; above 1 after a crash or a retried failure"]
    created_at: datetime
    started_at: datetime | None


@dataclass(frozen=True, slots=True)
class BrainChatResult(View):
    """A finished brain task (HTTP 200): the answer, what it read and what it proposed."""

    task_id: Annotated[str | None, "the job's id as a string; null for a direct run"]
    status: Annotated[str, OneOf(FINISHED_STATUSES)]
    prompt: str
    answer: Annotated[str | None, "the model's answer; null when the task failed"]
    tool_calls: list[BrainToolCall]
    proposals: Annotated[list[BrainProposal], "filed as approvals; the brain never acts"]
    memories_used: Annotated[list[int], "memories read into the prompt"]
    memories_written: Annotated[list[int], "memories the task wrote"]
    provider: str | None
    model: str | None
    prompt_tokens: int
    completion_tokens: int
    error_code: Annotated[str | None, "BRAIN_TASK_FAILED or BRAIN_TASK_CANCELLED"]
    error_message: str | None
    finished_at: datetime | None


async def queue_brain_chat(
    session: AsyncSession,
    *,
    prompt: str | None = None,
    message: str | None = None,
    propose: dict[str, Scalar] | None = None,
) -> BrainTask:
    """Queue a brain task (202); the prompt and a request proposal are checked first."""
    text = pick_prompt(prompt, message)
    checked = check_proposal(propose)
    job = await enqueue_job(session, kind=JOB_KIND, payload={"prompt": text, "propose": checked})
    return task_view(job)


def task_view(job: JobView) -> BrainTask:
    return BrainTask(
        task_id=str(job.id),
        status=job.status,
        progress=job.progress,
        progress_message=job.progress_message,
        prompt=str(job.payload.get("prompt", "")),
        poll=f"GET /api/brain/chat/{job.id}",
        attempts=job.attempts,
        created_at=job.created_at,
        started_at=job.started_at,
    )


async def brain_job(session: AsyncSession, task_id: str) -> JobView:
    """The job of a brain task (404 TASK_NOT_FOUND otherwise)."""
    missing = NotFound(
        f"brain task {task_id} not found", code="TASK_NOT_FOUND", details={"task_id": task_id}
    )
    if not task_id.isdigit() or len(task_id) > 18:
        raise missing
    try:
        job = await get_job(session, job_id=int(task_id))
    except NotFound:
        raise missing from None
    if job.kind != JOB_KIND:
        raise missing
    return job


async def get_brain_chat_task(
    session: AsyncSession, *, task_id: str
) -> BrainChatResult | BrainTask:
    """The task's state while it runs (202), its result once finished (200)."""
    job = await brain_job(session, task_id)
    if job.status not in FINISHED:
        return task_view(job)
    return result_view(job)


async def get_brain_task(session: AsyncSession, *, task_id: str) -> BrainTask:
    """The task's state in any status (GraphQL brainTask)."""
    return task_view(await brain_job(session, task_id))


async def get_brain_chat_result(session: AsyncSession, *, task_id: str) -> BrainChatResult | None:
    """The task's result, null while it is queued or running (GraphQL brainChatResult)."""
    job = await brain_job(session, task_id)
    return result_view(job) if job.status in FINISHED else None


def result_view(job: JobView) -> BrainChatResult:
    """A finished job's result as the API answers it."""
    result: dict[str, Any] = job.result or {}
    prompt = str(job.payload.get("prompt", ""))
    if job.status == "succeeded":
        return of_result(str(job.id), prompt, result, job.finished_at)
    code = "BRAIN_TASK_CANCELLED" if job.status == "cancelled" else "BRAIN_TASK_FAILED"
    return BrainChatResult(
        task_id=str(job.id),
        status=job.status,
        prompt=prompt,
        answer=None,
        tool_calls=[],
        proposals=[],
        memories_used=[],
        memories_written=[],
        provider=None,
        model=None,
        prompt_tokens=0,
        completion_tokens=0,
        error_code=code,
        error_message=job.error or ("cancelled" if job.status == "cancelled" else "failed"),
        finished_at=job.finished_at,
    )


def of_result(
    task_id: str | None, prompt: str, result: dict[str, Any], finished_at: datetime | None
) -> BrainChatResult:
    """A succeeded run's result dict (the job's result) as the view."""
    return BrainChatResult(
        task_id=task_id,
        status="succeeded",
        prompt=prompt,
        answer=result.get("answer"),
        tool_calls=[BrainToolCall(**c) for c in result.get("tool_calls", [])],
        proposals=[BrainProposal(**p) for p in result.get("proposals", [])],
        memories_used=list(result.get("memories_used", [])),
        memories_written=list(result.get("memories_written", [])),
        provider=result.get("provider"),
        model=result.get("model"),
        prompt_tokens=int(result.get("prompt_tokens", 0)),
        completion_tokens=int(result.get("completion_tokens", 0)),
        error_code=None,
        error_message=None,
        finished_at=finished_at,
    )


def result_of(gathered: Any, answered: Any, finished: Any) -> dict[str, Any]:
    """The JSON a run leaves (a job's result; a direct run's view is built from it too)."""
    out: dict[str, Any] = jsonable(
        {
            "answer": answered.text,
            "tool_calls": gathered.calls,
            "proposals": finished.proposals,
            "memories_used": [m.id for m in gathered.memories],
            "memories_written": finished.memories_written,
            "provider": answered.provider,
            "model": answered.model,
            "prompt_tokens": answered.prompt_tokens,
            "completion_tokens": answered.completion_tokens,
        }
    )
    return out


async def run_brain_chat(
    session: AsyncSession,
    *,
    prompt: str | None = None,
    message: str | None = None,
    propose: dict[str, Scalar] | None = None,
    lab: Lab,
) -> BrainChatResult:
    """The same run as a queued task's, in this request (200; task_id null). The reads come
    first and the writes last, so the request's transaction writes only after the model
    answered."""
    text = pick_prompt(prompt, message)
    checked = check_proposal(propose)
    gathered = await gather(session, prompt=text, lab=lab)
    answered = await answer(session, gathered=gathered, lab=lab)
    finished = await finish(
        session, gathered=gathered, answered=answered, propose=checked, task_id=None
    )
    return of_result(None, text, result_of(gathered, answered, finished), utcnow())
