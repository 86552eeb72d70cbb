"""The `fetch` job handler: a long POST /api/fetch range, fetched, validated and stored.

resolvers/research/fetch_jobs.py says when a fetch becomes a job and why. The whole fetch is
one ctx.write: the exchange is paged before the session runs a statement, and the store
commits with its dataset event. Progress is the bars so far of those the range spans. Errors
from the exchange and refused candles are DomainErrors: the runner fails the job for good
with their text (server/workers.py); anything else re-queues it while attempts remain.
"""

from __future__ import annotations

from typing import Any

from resolvers.research.datasets import OhlcvDataset
from resolvers.research.fetch_jobs import run_fetch_job
from server.job_context import JobRunContext


async def run_fetch(ctx: JobRunContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Fetch and store the payload's range; the result names the dataset."""

    async def progress(done: int, expected: int) -> None:
        await ctx.progress(done / expected, f"{done:,} of {expected:,} bars fetched")

    dataset: OhlcvDataset = await ctx.write(run_fetch_job, payload=payload, progress=progress)
    return {
        "dataset_id": dataset.id,
        "symbol": dataset.symbol,
        "timeframe": dataset.timeframe,
        "rows": dataset.rows,
        "truncated": bool(dataset.quality.get("truncated", False)),
    }
