"""Routines: validation, next_run_at across DST, dispatch once per occurrence, the pause, the
brain's proposals behind an approval, and runs through the job table and the lab provider."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.approval_decisions import decide_approval
from resolvers.approvals import list_approvals
from resolvers.control import start_system, stop_system
from resolvers.errors import DomainError
from resolvers.lab.services import Lab
from resolvers.routines import (
    JOB_KIND,
    Routine,
    create_routine,
    dispatch_due_routines,
    list_routines,
    next_occurrence,
    propose_routine,
    run_routine,
)
from resolvers.scheduler import ensure_jobs, list_jobs
from server.executors import ThreadExecutor
from server.routine_jobs import run_routine_job
from server.workers import JOB_HANDLERS, JobWorkers
from storage.events import Event
from storage.jobs import Job
from storage.providers import ModelCall
from storage.routines import RoutineRun
from tests.resolvers.factories import make_strategy

Factory = async_sessionmaker[AsyncSession]
NY = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def code_of(call: object) -> str:
    with pytest.raises(DomainError) as raised:
        await call  # type: ignore[misc]
    return raised.value.code


async def topics(session: AsyncSession, prefix: str = "routine.") -> list[str]:
    rows = await session.scalars(
        select(Event.topic).where(Event.topic.startswith(prefix)).order_by(Event.id)
    )
    return list(rows)


async def runs(session: AsyncSession) -> list[RoutineRun]:
    return list(await session.scalars(select(RoutineRun).order_by(RoutineRun.id)))


async def only(session: AsyncSession) -> Routine:
    [routine] = await list_routines(session)
    return routine


# -- DST ----------------------------------------------------------------------------------------


def test_a_missing_wall_time_runs_once_at_the_first_valid_instant() -> None:
    """2026-03-08, America/New_York: 02:00 EST jumps to 03:00 EDT, so 02:30 never happens.
    The daily 02:30 routine runs once that day, at 03:00 EDT (07:00 UTC), then at 02:30 EDT."""
    cron = "30 2 * * *"
    first = next_occurrence(cron, NY, datetime(2026, 3, 8, 0, 0, tzinfo=NY))
    assert first == utc(2026, 3, 8, 7, 0)
    assert first.astimezone(NY).strftime("%H:%M %Z") == "03:00 EDT"
    assert next_occurrence(cron, NY, first) == utc(2026, 3, 9, 6, 30)  # 02:30 EDT
    assert next_occurrence(cron, NY, utc(2026, 3, 7, 0, 0)) == utc(2026, 3, 7, 7, 30)  # EST


def test_a_repeated_wall_time_runs_once_at_its_first_pass() -> None:
    """2026-11-01, America/New_York: 02:00 EDT falls back to 01:00 EST, so 01:30 happens
    twice (05:30 and 06:30 UTC). The daily 01:30 routine runs once, at 01:30 EDT."""
    cron = "30 1 * * *"
    first = next_occurrence(cron, NY, datetime(2026, 11, 1, 0, 0, tzinfo=NY))
    assert first == utc(2026, 11, 1, 5, 30)
    assert first.astimezone(NY).strftime("%H:%M %Z") == "01:30 EDT"
    assert next_occurrence(cron, NY, first) == utc(2026, 11, 2, 6, 30)  # the next day, EST


def test_an_hourly_routine_follows_elapsed_hours_through_the_repeat() -> None:
    cron = "0 * * * *"
    start = utc(2026, 11, 1, 4, 30)  # 00:30 EDT
    seen = [start]
    for _ in range(4):
        seen.append(next_occurrence(cron, NY, seen[-1]))
    assert seen[1:] == [utc(2026, 11, 1, h, 0) for h in (5, 6, 7, 8)]  # 01 EDT, 01 EST, 02, 03


async def test_next_run_at_is_stored_in_utc_and_the_dst_day_dispatches_once(
    session: AsyncSession,
) -> None:
    before = utc(2026, 3, 8, 5, 0)  # 00:00 EST on the spring-forward day
    routine = await create_routine(
        session, name="night", cron="30 2 * * *", timezone="America/New_York",
        prompt="How is the lab?", now=before,
    )  # fmt: skip
    assert routine.next_run_at == utc(2026, 3, 8, 7, 0)
    assert routine.status == "active" and routine.author == "operator"
    assert await dispatch_due_routines(session, now=utc(2026, 3, 8, 6, 59)) == []
    due = utc(2026, 3, 8, 7, 0, 5)
    assert len(await dispatch_due_routines(session, now=due)) == 1
    assert await dispatch_due_routines(session, now=due + timedelta(seconds=1)) == []
    assert (await only(session)).next_run_at == utc(2026, 3, 9, 6, 30)
    [run] = await runs(session)
    assert (run.origin, run.status, run.scheduled_for) == ("schedule", "queued", utc(2026, 3, 8, 7))


# -- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cron", "field"),
    [
        ("61 * * * *", "minute"),
        ("0 25 * * *", "hour"),
        ("0 0 32 * *", "day-of-month"),
        ("0 0 * 13 *", "month"),
        ("0 0 * * funday", "day-of-week"),
        ("0 0 * *", None),
        ("0 0 * * * *", None),
        ("@daily", None),
        ("", None),
    ],
)
async def test_a_bad_cron_is_422_naming_the_problem(
    session: AsyncSession, cron: str, field: str | None
) -> None:
    with pytest.raises(DomainError) as raised:
        await create_routine(session, name="x", cron=cron, prompt="hi")
    error = raised.value
    assert (error.code, error.status) == ("INVALID_CRON", 422)
    assert error.details.get("cron_field") == field
    if field is not None:
        assert field in str(error)


async def test_cron_that_never_occurs_is_refused(session: AsyncSession) -> None:
    assert await code_of(create_routine(session, name="x", cron="0 0 30 2 *", prompt="hi")) == (
        "INVALID_CRON"
    )


async def test_other_refusals(session: AsyncSession) -> None:
    def make(**kw: object) -> object:
        return create_routine(session, **{"name": "r", "cron": "0 9 * * 1-5", **kw})  # type: ignore[arg-type]

    assert await code_of(make(timezone="Mars/Olympus", prompt="hi")) == "UNKNOWN_TIMEZONE"
    assert await code_of(make(timezone="../etc/passwd", prompt="hi")) == "UNKNOWN_TIMEZONE"
    assert await code_of(make()) == "INVALID_ROUTINE_ACTION"
    assert await code_of(make(prompt="hi", tool="list_trades")) == "INVALID_ROUTINE_ACTION"
    assert await code_of(make(tool="run_verdict")) == "UNKNOWN_TOOL"  # not granted: scheduled
    assert await code_of(make(tool="list_trades", arguments={"bogus": 1})) == "INVALID_ARGUMENTS"
    assert await code_of(make(prompt="hi", arguments={"stage": "x"})) == "INVALID_ARGUMENTS"
    await make(prompt="hi")
    assert await code_of(make(prompt="again")) == "ROUTINE_NAME_TAKEN"
    assert await code_of(run_routine(session, routine_id=999)) == "ROUTINE_NOT_FOUND"
    assert await topics(session) == ["routine.created"]


# -- the scheduler's pass -----------------------------------------------------------------------


async def test_two_passes_racing_dispatch_an_occurrence_once(session_factory: Factory) -> None:
    async with session_factory() as session:
        await create_routine(
            session, name="r", cron="*/5 * * * *", prompt="hi", now=utc(2026, 6, 1, 12, 1)
        )
        await session.commit()

    async def one_pass() -> list[int]:
        async with session_factory() as session:
            found = await dispatch_due_routines(session, now=utc(2026, 6, 1, 12, 5, 1))
            await session.commit()
            return found

    results = await asyncio.gather(one_pass(), one_pass(), one_pass())
    assert sorted(len(r) for r in results) == [0, 0, 1]
    async with session_factory() as session:
        assert len(await runs(session)) == 1
        assert await session.scalar(select(func.count()).select_from(Job)) == 1
        assert (await only(session)).next_run_at == utc(2026, 6, 1, 12, 10)


async def test_paused_routines_skip_what_they_missed(session: AsyncSession, lab: Lab) -> None:
    await create_routine(
        session, name="r", cron="0 9 * * *", prompt="hi", now=utc(2026, 6, 1, 8, 0)
    )
    await stop_system(session, reason="maintenance", lab=lab)
    assert await dispatch_due_routines(session, now=utc(2026, 6, 1, 9, 0, 2)) == []
    assert (await only(session)).next_run_at == utc(2026, 6, 1, 9)  # halted, not advanced
    await start_system(session, lab=lab)
    # resumed three days later: the missed 9:00s are not caught up, one skip collapses them
    assert await dispatch_due_routines(session, now=utc(2026, 6, 4, 8, 0)) == []
    assert (await only(session)).next_run_at == utc(2026, 6, 4, 9)
    assert await runs(session) == []
    assert await topics(session) == ["routine.created", "routine.skipped"]
    assert len(await dispatch_due_routines(session, now=utc(2026, 6, 4, 9, 0, 30))) == 1


async def test_get_scheduler_lists_the_routines_on_its_job(session: AsyncSession) -> None:
    await ensure_jobs(session)
    await create_routine(session, name="r", cron="0 9 * * *", timezone="Europe/Paris",
                         prompt="hi", now=utc(2026, 6, 1, 0, 0))  # fmt: skip
    await dispatch_due_routines(session, now=utc(2026, 6, 1, 7, 0, 1))  # 09:00 CEST
    jobs = {job.id: job for job in await list_jobs(session)}
    [listed] = jobs["routines"].routines
    assert (listed.name, listed.cron, listed.timezone, listed.status) == (
        "r", "0 9 * * *", "Europe/Paris", "active",
    )  # fmt: skip
    assert listed.next_run_at == utc(2026, 6, 2, 7, 0)
    assert listed.last_run_status == "queued"
    assert jobs["routines"].halts_when_paused
    assert all(job.routines == [] for key, job in jobs.items() if key != "routines")


# -- brain-authored routines --------------------------------------------------------------------


async def test_a_brain_routine_waits_for_approval_and_activates_on_approve(
    session: AsyncSession, lab: Lab
) -> None:
    proposed = await propose_routine(
        session, name="brain", cron="0 8 * * *", timezone="America/New_York",
        prompt="Morning summary", summary="a daily summary",
    )  # fmt: skip
    assert (proposed.status, proposed.author, proposed.next_run_at) == (
        "pending_approval", "brain", None,
    )  # fmt: skip
    [approval] = (await list_approvals(session, type="routine")).items
    assert (approval.target_type, approval.target_id, approval.owner) == (
        "routine", str(proposed.id), "brain",
    )  # fmt: skip
    assert approval.payload["cron"] == "0 8 * * *" and approval.payload["prompt"] == (
        "Morning summary"
    )
    assert proposed.approval_id == approval.id
    assert await code_of(run_routine(session, routine_id=proposed.id)) == "ROUTINE_NOT_ACTIVE"
    far = utc(2030, 1, 1)
    assert await dispatch_due_routines(session, now=far) == []  # never scheduled
    await decide_approval(session, approval_id=approval.id, decision="approve", lab=lab)
    active = await only(session)
    assert active.status == "active" and active.next_run_at is not None
    assert active.next_run_at.astimezone(NY).strftime("%H:%M") == "08:00"
    assert await topics(session) == ["routine.created", "routine.activated"]
    accepted = await run_routine(session, routine_id=proposed.id)
    assert accepted.status == "queued"


async def test_a_denied_brain_routine_stays_inactive(session: AsyncSession, lab: Lab) -> None:
    proposed = await propose_routine(session, name="b", cron="0 8 * * *", prompt="x")
    assert proposed.approval_id is not None
    await decide_approval(session, approval_id=proposed.approval_id, decision="deny", lab=lab)
    assert (await only(session)).status == "denied"  # read from its approval at once
    assert await code_of(run_routine(session, routine_id=proposed.id)) == "ROUTINE_NOT_ACTIVE"
    assert await dispatch_due_routines(session, now=utc(2030, 1, 1)) == []
    assert await topics(session) == ["routine.created", "routine.denied"]  # the pass stored it
    assert (await only(session)).next_run_at is None


# -- runs ---------------------------------------------------------------------------------------


async def run_jobs(factory: Factory, lab: Lab, routine_id: int) -> Routine:
    """Run the queued jobs with the server's handlers until the routine's last run is over."""
    workers = JobWorkers(
        factory, None, executor=ThreadExecutor(), handlers=JOB_HANDLERS, lab=lab,
        workers=1, poll_seconds=0.02,
    )  # fmt: skip
    await workers.start()
    try:
        for _ in range(500):
            async with factory() as session:
                routine = next(r for r in await list_routines(session) if r.id == routine_id)
            if routine.last_run is not None and routine.last_run.status in ("succeeded", "failed"):
                break
            await asyncio.sleep(0.02)
    finally:
        await workers.stop()
    return routine


async def test_run_now_runs_the_prompt_through_the_lab_provider(
    session_factory: Factory, lab: Lab
) -> None:
    assert JOB_HANDLERS[JOB_KIND] is run_routine_job
    async with session_factory() as session:
        strategy = await make_strategy(session, name="Routine probe", lab=lab)
        routine = await create_routine(
            session, name="probe", cron="0 9 * * *", prompt=f"How is strategy {strategy.id}?"
        )
        accepted = await run_routine(session, routine_id=routine.id)
        await session.commit()
    assert (accepted.routine_id, accepted.status) == (routine.id, "queued")
    done = await run_jobs(session_factory, lab, routine.id)
    run = done.last_run
    assert run is not None and run.status == "succeeded", run
    assert (run.origin, run.job_id, run.id) == ("manual", accepted.job_id, accepted.run_id)
    assert f'Strategy {strategy.id} "Routine probe"' in run.output  # the lab's own row
    assert (run.provider, run.model) == ("lab", "lab-analyst")
    assert run.prompt_tokens > 0 and run.completion_tokens > 0
    assert run.started_at is not None and run.finished_at is not None
    async with session_factory() as session:
        calls = list(await session.scalars(select(ModelCall)))
        assert [(c.task_kind, c.provider, c.ok) for c in calls] == [("routine", "lab", True)]
        job = await session.get(Job, accepted.job_id)
        assert job is not None and (job.kind, job.status) == ("routine.run", "succeeded")
        assert await topics(session) == [
            "routine.created", "routine.run_queued", "routine.run_started", "routine.run_finished",
        ]  # fmt: skip
        # the schedule is unchanged by a run-now
        assert (await only(session)).next_run_at == routine.next_run_at


async def test_a_tool_routine_calls_its_tool(session_factory: Factory, lab: Lab) -> None:
    async with session_factory() as session:
        strategy = await make_strategy(session, name="Tool probe", lab=lab)
        routine = await create_routine(
            session, name="tool", cron="0 9 * * *", tool="list_strategies",
            arguments={"name": "Tool probe"}, enabled=False,
        )  # fmt: skip
        assert (routine.status, routine.enabled, routine.next_run_at) == ("disabled", False, None)
        await run_routine(session, routine_id=routine.id)  # a disabled routine runs on demand
        await session.commit()
    run = (await run_jobs(session_factory, lab, routine.id)).last_run
    assert run is not None and run.status == "succeeded", run
    answer = json.loads(run.output)
    assert [s["id"] for s in answer["items"]] == [strategy.id] and answer["total"] == 1


async def test_a_failing_run_is_recorded_and_fails_its_job(
    session_factory: Factory, lab: Lab
) -> None:
    async with session_factory() as session:
        routine = await create_routine(
            session, name="bad", cron="0 9 * * *", tool="list_strategies",
            arguments={"stage": "no-such-stage"},
        )  # fmt: skip
        accepted = await run_routine(session, routine_id=routine.id)
        await session.commit()
    run = (await run_jobs(session_factory, lab, routine.id)).last_run
    assert run is not None and run.status == "failed" and run.error
    async with session_factory() as session:
        job = await session.get(Job, accepted.job_id)
        assert job is not None and job.status == "failed"
        assert job.attempts == 1  # a refusal is not retried
