"""POST /api/sandbox/test and /api/sandbox/runs/{id}/kill: run strategy code under limits.

Both answer 503 SANDBOX_DISABLED until the sandbox is enabled (resolvers/settings/sandbox.py,
read on every request). A test scans the code first (422 SANDBOX_SCAN_FAILED, details.findings)
then runs it (resolvers/sandbox/process.py) on SAMPLE_BARS synthetic closes and waits for it,
at most the wall limit, answering the finished run. A caller that wants to kill a test while
it waits names the run (`run_id`); otherwise the id is a fresh uuid.
"""

from __future__ import annotations

import asyncio
import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict, InvalidInput, NotFound, Unavailable
from resolvers.sandbox import process
from resolvers.sandbox.process import IsolationUnavailable, Run
from resolvers.sandbox.scan import checked_code, scan_code
from resolvers.settings.sandbox import get_sandbox_settings
from resolvers.views import OneOf, View, to_payload
from storage.outbox import append_event

if TYPE_CHECKING:
    from resolvers.lab.services import Lab

SAMPLE_BARS = 240
RUN_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
STATUS = OneOf(("running", "succeeded", "failed", "killed", "timeout"))
LIMIT = OneOf(("cpu", "memory", "file_size", "processes", "wall"))
ERRNO_LIMITS = {"EAGAIN": "processes", "EFBIG": "file_size", "ENOMEM": "memory"}


@dataclass(frozen=True, slots=True)
class SandboxResultView(View):
    """What the strategy's signals(close) answered on the sample closes."""

    rest_name = "SandboxResult"
    graphql_name = "SandboxResult"

    bars: int
    long: Annotated[int, "bars with a positive position"]
    short: Annotated[int, "bars with a negative position"]
    flat: int
    last: Annotated[float, "the last bar's position"]


@dataclass(frozen=True, slots=True)
class SandboxRunView(View):
    """One sandbox test run: its status, the limit that stopped it, its answer."""

    rest_name = "SandboxRun"
    graphql_name = "SandboxRun"

    id: str
    status: Annotated[str, STATUS]
    limit_hit: Annotated[str | None, LIMIT]
    exit_code: Annotated[int | None, "negative: the signal that ended it"]
    result: SandboxResultView | None
    error: Annotated[str | None, "the strategy's exception, when it raised"]
    stderr_tail: Annotated[str, "the last 2000 characters it wrote to stderr"]
    cpu_seconds: int
    memory_mb: int
    wall_seconds: float
    max_file_mb: int
    max_processes: int
    started_at: datetime
    finished_at: datetime | None


def _limit_hit(run: Run) -> str | None:
    code, report = run.returncode, run.report or {}
    if run.timed_out:
        return "wall"
    if code in (-24, -9) and not run.killed:  # SIGXCPU, or SIGKILL at the hard CPU limit
        return "cpu"
    if code == -25:  # SIGXFSZ
        return "file_size"
    if str(report.get("error", "")).startswith("MemoryError"):
        return "memory"
    return ERRNO_LIMITS.get(str(report.get("errno")))


def _status(run: Run) -> str:
    if run.running:
        return "running"
    if run.killed:
        return "killed"
    if run.timed_out:
        return "timeout"
    return "succeeded" if (run.report or {}).get("ok") else "failed"


def run_view(run: Run) -> SandboxRunView:
    """A run as its view."""
    report, s = run.report or {}, run.settings
    result = report.get("result") if report.get("ok") else None
    return SandboxRunView(
        id=run.id, status=_status(run), limit_hit=None if run.running else _limit_hit(run),
        exit_code=run.returncode,
        result=SandboxResultView(**result) if isinstance(result, dict) else None,
        error=report.get("error"), stderr_tail=run.stderr,
        cpu_seconds=s.cpu_seconds, memory_mb=s.memory_mb, wall_seconds=s.wall_seconds,
        max_file_mb=s.max_file_mb, max_processes=s.max_processes,
        started_at=run.started_at, finished_at=run.finished_at,
    )  # fmt: skip


def sample_closes() -> list[float]:
    """The deterministic closes a test runs on: a trend with two cycles on it."""
    return [
        round(100 + 0.05 * i + 8 * math.sin(i / 9) + 3 * math.sin(i / 2.5), 4)
        for i in range(SAMPLE_BARS)
    ]


async def _enabled(session: AsyncSession) -> Any:
    settings = await get_sandbox_settings(session)
    if not settings.enabled:
        raise Unavailable(
            "the sandbox is disabled; enable it under Settings -> Sandbox",
            code="SANDBOX_DISABLED",
        )
    return settings


async def test_strategy_code(
    session: AsyncSession, *, lab: Lab, code: Any = None, run_id: Any = None
) -> SandboxRunView:
    """Scan, then run strategy code in the sandbox and answer the finished run."""
    settings = await _enabled(session)
    source = checked_code(code)
    if run_id is not None and (not isinstance(run_id, str) or not RUN_ID.fullmatch(run_id)):
        raise InvalidInput("run_id must match [a-z0-9][a-z0-9_-]{0,63}",
                           code="INVALID_RUN_ID", details={"field": "run_id"})  # fmt: skip
    scan = scan_code(source)
    if scan.verdict != "pass":
        raise InvalidInput("the scan refused the code", code="SANDBOX_SCAN_FAILED",
                           details={"findings": to_payload(scan)["findings"]})  # fmt: skip
    run_id = run_id or uuid.uuid4().hex
    if lab.sandbox.get(run_id) is not None:
        raise Conflict(f"sandbox run {run_id!r} exists", code="SANDBOX_RUN_EXISTS",
                       details={"run_id": run_id})  # fmt: skip
    run = Run(id=run_id, settings=settings, started_at=datetime.now(UTC))
    lab.sandbox.add(run)
    try:
        await process.execute(run, source, sample_closes())
    except IsolationUnavailable as exc:
        raise Unavailable(
            f"the kernel refused the run an isolated network: {exc}",
            code="SANDBOX_ISOLATION_UNAVAILABLE",
        ) from exc
    view = run_view(run)
    await append_event(session, topic="sandbox_run.finished", entity_id=run.id,
                       payload=to_payload(view))  # fmt: skip
    return view


async def kill_sandbox_run(session: AsyncSession, *, lab: Lab, run_id: str) -> SandboxRunView:
    """Kill a run's whole process group; a finished run is answered as it is (idempotent)."""
    await _enabled(session)
    run = lab.sandbox.get(run_id)
    if run is None:
        raise NotFound(f"no sandbox run {run_id!r}", code="SANDBOX_RUN_NOT_FOUND",
                       details={"run_id": run_id})  # fmt: skip
    if run.running:
        run.killed = True
        process.kill_group(run)
        await append_event(session, topic="sandbox_run.killed", entity_id=run.id,
                           payload={"id": run.id})  # fmt: skip
        for _ in range(250):  # the group is SIGKILLed: it is reaped within moments
            if not run.running:
                break
            await asyncio.sleep(0.02)
    return run_view(run)
