"""The approvals_triage scheduler job wired as the server runs it: a pass on the wall clock
decides what the approval mode says, publishes its events, and escalates once overdue; a
filing committed before the job ever ran (a crash in between) is still triaged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.approval_modes import update_approval_modes
from resolvers.approvals import create_approval, get_approval
from resolvers.lab.services import build_lab
from resolvers.scheduler import ensure_jobs
from server.jobs import JOBS
from server.scheduler import Scheduler
from storage.outbox import EventMessage

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def _file(sessions: async_sessionmaker[AsyncSession], type_: str) -> int:
    async with sessions() as session:
        made = await create_approval(
            session, type=type_, target_type="agent", target_id="scout", owner="brain", now=T0
        )
        await session.commit()
    return made.id


async def test_the_job_triages_and_escalates(session_factory: Any) -> None:
    async with session_factory() as session:
        await ensure_jobs(session)
        await update_approval_modes(session, mode="off", type_deadlines={"manual_only": 600})
        await session.commit()
    approved = await _file(session_factory, "note")
    published: list[EventMessage] = []

    async def publish(messages: list[EventMessage]) -> None:
        published.extend(messages)

    now = [T0]
    runner = Scheduler(
        session_factory, publish, build_lab(), {"approvals_triage": JOBS["approvals_triage"]},
        wall=lambda: now[0],
    )  # fmt: skip
    assert await runner.run_pass() == ["approvals_triage"]
    await runner.settle()
    async with session_factory() as session:
        assert (await get_approval(session, approval_id=approved)).status == "approved"
        await update_approval_modes(session, mode="manual")
        await session.commit()
    waiting = await _file(session_factory, "manual_only")
    now[0] = T0 + timedelta(seconds=601)
    await runner.run_pass()
    await runner.settle()
    async with session_factory() as session:
        row = await get_approval(session, approval_id=waiting)
    assert (row.status, row.owner) == ("pending", "operator")
    topics = [m.topic for m in published]
    assert topics.count("approval.decided") == 1
    assert topics.count("approval.escalated") == 1
    assert topics.count("notification.created") == 2  # waiting, escalated
