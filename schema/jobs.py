"""A job read by id, and the GraphQL face of POST /api/fetch, which waits.

`job(id)` is where a client follows a 202 JobAccepted (resolvers/research/fetch_jobs.py):
the seed has no job route, and the events subscription's job.* events need a socket. Any
job can be read (a fetch, a gauntlet step): its status, progress, result and error.

`fetchOhlcv` is hand-written because the route's REST resolver answers a dataset or a job,
and a generated field answers one type: this one always fetches inline and answers the
dataset, however long the range (GraphQL clients wait on one field; REST clients get a 202).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry

from resolvers.jobs import JobView, get_job
from resolvers.research.fetch import fetch_ohlcv
from schema.generated.research_datasets import OhlcvDataset
from schema.scalars import JSON, int_id


@strawberry.type(description="A queued, running or finished piece of long work.")
class Job:
    id: strawberry.ID
    kind: str = strawberry.field(description="what it does: fetch, gauntlet.step")
    status: str = strawberry.field(description="queued, running, succeeded, failed, cancelled")
    progress: float = strawberry.field(description="0 to 1")
    progress_message: str
    result: JSON | None = strawberry.field(description="a succeeded job's answer")
    error: str | None = strawberry.field(description="why its last attempt failed")
    attempts: int
    max_attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, view: JobView) -> Job:
        return cls(
            id=strawberry.ID(str(view.id)),
            kind=view.kind,
            status=view.status,
            progress=view.progress,
            progress_message=view.progress_message,
            result=cast(JSON | None, view.result),
            error=view.error,
            attempts=view.attempts,
            max_attempts=view.max_attempts,
            created_at=view.created_at,
            started_at=view.started_at,
            finished_at=view.finished_at,
        )


@strawberry.type
class JobQuery:
    @strawberry.field(description="One job by id (a 202 JobAccepted's job_id); 404 JOB_NOT_FOUND.")
    async def job(self, info: strawberry.Info, id: strawberry.ID) -> Job:
        view = await info.context.scope.run(get_job, job_id=int_id(id))
        return Job.of(view)


@strawberry.type
class FetchMutation:
    @strawberry.mutation(
        name="fetchOhlcv",
        description="Fetch OHLCV data from an exchange (POST /api/fetch); waits for the fetch "
        "whatever the range, and answers the stored dataset.",
    )
    async def fetch_ohlcv(
        self,
        info: strawberry.Info,
        symbol: str,
        timeframe: str = "1h",
        start: datetime | None = None,
        end: datetime | None = None,
        exchange: str = "hyperliquid",
    ) -> OhlcvDataset:
        result = await info.context.scope.run(
            fetch_ohlcv, symbol=symbol, timeframe=timeframe, start=start, end=end,
            exchange=exchange,
        )  # fmt: skip
        return OhlcvDataset.of(result)
