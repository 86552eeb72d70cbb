"""A server stand-in for the SIGKILL test: runs one job kind whose handler blocks, until killed.

python -m tests.server.job_crash_child <database url>
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from server.executors import ThreadExecutor
from server.job_context import JobRunContext
from server.workers import JobWorkers
from storage.engine import create_engine, create_session_factory

KIND = "crash.block"
LEASE_SECONDS = 1.5


async def block(ctx: JobRunContext, payload: dict[str, Any]) -> dict[str, Any]:
    await ctx.progress(0.25, "started")
    await asyncio.sleep(3600)
    return {}


async def main(url: str) -> None:
    factory = create_session_factory(create_engine(url))
    runner = JobWorkers(
        factory,
        None,
        executor=ThreadExecutor(),
        handlers={KIND: block},
        workers=1,
        lease_seconds=LEASE_SECONDS,
        sweep_seconds=3600,
        poll_seconds=0.05,
    )
    await runner.start()
    await asyncio.Event().wait()  # until SIGKILL


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
