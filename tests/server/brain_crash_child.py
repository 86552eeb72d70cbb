"""A server stand-in for the brain crash test: runs the real `brain.chat` handler with a model
that never answers, until killed.

python -m tests.server.brain_crash_child <database url>
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import resolvers.brain.run as brain_run
from resolvers.lab.services import build_lab
from server.brain_jobs import run_brain_chat_job
from server.executors import ThreadExecutor
from server.workers import JobWorkers
from storage.engine import create_engine, create_session_factory

LEASE_SECONDS = 1.5


async def never_answers(*args: Any, **kwargs: Any) -> Any:
    await asyncio.sleep(3600)


async def main(url: str) -> None:
    brain_run.complete = never_answers  # type: ignore[assignment]  # the model call hangs
    factory = create_session_factory(create_engine(url))
    runner = JobWorkers(
        factory,
        None,
        executor=ThreadExecutor(),
        handlers={"brain.chat": run_brain_chat_job},
        workers=1,
        lease_seconds=LEASE_SECONDS,
        sweep_seconds=3600,
        poll_seconds=0.05,
        lab=build_lab(),
    )
    await runner.start()
    await asyncio.Event().wait()  # until SIGKILL


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
