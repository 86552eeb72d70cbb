"""POST /api/fetch over the job table: a short range answers its dataset, a long one a job.

The choice is made up front, from the bars the range spans (`FetchRequest.bars`) against
`LabConfig.fetch_inline_bars` (TRADEGRAPH_FETCH_INLINE_BARS, default 1,000: two pages of
HyperLiquid's 500), not by racing a timer: a fetch cut off at a deadline would either be
thrown away and fetched again by the job, or hand the job a half-done state to resume. Decided
before anything is fetched, every fetch runs exactly once, inline or in its job.

A long range is queued as a `fetch` job whose payload is the validated request (its range
already fixed against the request's clock, so the job fetches what was asked for, not what
the market holds when a worker gets to it), and the answer is a 202 `JobAccepted`. The job
(server/fetch_jobs.py) runs the same download, validation and store; its result names the
dataset. An error from the exchange, or candles that fail validation, fail the job for good
with the error's text (it is a DomainError: another attempt would most likely meet the same
refusal; POST again to retry); a crash of the worker re-runs it, and storing the series again
replaces its bars under the same id, so nothing is stored twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.jobs import JobView, enqueue_job
from resolvers.lab.services import Lab
from resolvers.research.datasets import OhlcvDataset
from resolvers.research.fetch import FetchRequest, download, plan_fetch, store_fetched
from resolvers.research.hyperliquid import Progress
from resolvers.views import OneOf, View
from storage.jobs import JOB_STATUSES

JOB_KIND = "fetch"
# the events subscription's topics that follow a job (entity id: the job's id)
JOB_TOPICS = ("job.running", "job.progress", "job.succeeded", "job.failed", "job.cancelled")


@dataclass(frozen=True, slots=True)
class JobAccepted(View):
    """Work that outlasts its request, queued as a job (HTTP 202): where to follow it."""

    http_status: ClassVar[int] = 202  # rest_compat/runtime.py respond() answers with it

    job_id: Annotated[int, "the job's id: GraphQL job(id: ...) and the job events' entity id"]
    kind: Annotated[str, "what the job does (fetch)"]
    status: Annotated[str, OneOf(JOB_STATUSES), "queued, when accepted"]
    progress: Annotated[float, "0 to 1"]
    poll: Annotated[str, "a GraphQL query answering its status, progress, result and error"]
    events: Annotated[
        list[str], "the GraphQL events subscription's topics that follow it (entity id job_id)"
    ]
    result_at: Annotated[str, "where its result appears once it succeeds"]


def job_accepted(job: JobView, *, result_at: str) -> JobAccepted:
    """The 202 answer for a queued job."""
    return JobAccepted(
        job_id=job.id,
        kind=job.kind,
        status=job.status,
        progress=job.progress,
        poll=f'query {{ job(id: "{job.id}") {{ status progress progressMessage result error }} }}',
        events=list(JOB_TOPICS),
        result_at=result_at,
    )


async def request_fetch(
    session: AsyncSession,
    *,
    symbol: str,
    timeframe: str = "1h",
    start: datetime | None = None,
    end: datetime | None = None,
    exchange: str = "hyperliquid",
    lab: Lab,
    now: datetime | None = None,
) -> OhlcvDataset | JobAccepted:
    """The dataset fetched now when the range is short; else a queued fetch job (202)."""
    request = plan_fetch(
        symbol=symbol, timeframe=timeframe, start=start, end=end, exchange=exchange, now=now
    )
    if request.bars <= lab.config.fetch_inline_bars:
        fetched = await download(request, lab.config)
        return await store_fetched(session, request=request, fetched=fetched)
    job = await enqueue_job(session, kind=JOB_KIND, payload=request.payload())
    where = f"GET /api/backtesting/datasets?symbol={request.symbol}&timeframe={request.timeframe}"
    return job_accepted(job, result_at=where)


async def run_fetch_job(
    session: AsyncSession, *, payload: dict[str, Any], lab: Lab, progress: Progress | None = None
) -> OhlcvDataset:
    """A fetch job's work: download the payload's range, then validate and store it.

    No statement runs until the store, so the session holds no transaction (nor SQLite's
    write lock) while the exchange is paged and progress is written beside it."""
    request = FetchRequest.of_payload(payload)
    fetched = await download(request, lab.config, progress)
    return await store_fetched(session, request=request, fetched=fetched)
