"""The gauntlet's state machine: create, steps as jobs, resume with a budget, cancel, retry."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict, InvalidInput, NotFound
from resolvers.lab.services import Lab
from resolvers.quant.battery_setup import TEST_NAMES
from resolvers.research.gauntlet import (
    JOB_KIND,
    GauntletWorkflowView,
    cancel_gauntlet_workflow,
    create_gauntlet_workflow,
    get_gauntlet_workflow,
    resume_gauntlet_workflow,
    retry_gauntlet_step,
)
from resolvers.research.gauntlet_steps import (
    begin_step,
    compute_step,
    finish_step,
    load_step_bars,
)
from resolvers.research.verdict import outcome_of, run_verdict
from storage.jobs import Job
from storage.strategies import Strategy
from tests.resolvers.factories import make_strategy


async def run_next(session: AsyncSession, lab: Lab, workflow: GauntletWorkflowView) -> int:
    """Play the worker for the queued step: begin, compute, finish; answers its id."""
    step = next(s for s in workflow.steps if s.status == "queued")
    assert step.job_id is not None
    job = await session.get(Job, step.job_id)
    assert job is not None and job.kind == JOB_KIND and job.payload["step_id"] == step.id
    work = await begin_step(session, step_id=step.id, job_id=step.job_id, lab=lab)
    assert work is not None
    candles = await load_step_bars(session, dataset=work.dataset, lab=lab)
    outcome = outcome_of(compute_step(work, candles))
    assert await finish_step(session, step_id=step.id, job_id=step.job_id, outcome=outcome)
    return step.id


async def run_all(session: AsyncSession, lab: Lab, workflow_id: int) -> GauntletWorkflowView:
    view = await get_gauntlet_workflow(session, workflow_id=workflow_id)
    while any(s.status == "queued" for s in view.steps):
        await run_next(session, lab, view)
        view = await get_gauntlet_workflow(session, workflow_id=workflow_id)
    return view


@pytest.fixture
async def strategy(session: AsyncSession, lab: Lab) -> Strategy:
    return await make_strategy(session, lab=lab)


class TestCreate:
    async def test_one_step_per_test_and_the_first_queued(
        self, session: AsyncSession, lab: Lab, strategy: Strategy
    ) -> None:
        view = await create_gauntlet_workflow(session, strategy_id=strategy.id, lab=lab)
        assert view.status == "running" and view.strategy_id == strategy.id
        assert [s.name for s in view.steps] == list(TEST_NAMES)
        assert [s.status for s in view.steps] == ["queued"] + ["pending"] * 7
        jobs = (await session.execute(select(Job))).scalars().all()
        assert [j.payload["step_id"] for j in jobs] == [view.steps[0].id]

    async def test_idempotent_until_the_strategy_changes(
        self, session: AsyncSession, lab: Lab, strategy: Strategy
    ) -> None:
        first = await create_gauntlet_workflow(session, strategy_id=strategy.id, lab=lab)
        again = await create_gauntlet_workflow(session, strategy_id=strategy.id, lab=lab)
        assert again.id == first.id
        strategy.params = {"fast": 5, "slow": 30, "band": 0.0}
        changed = await create_gauntlet_workflow(session, strategy_id=strategy.id, lab=lab)
        assert changed.id != first.id and changed.params["fast"] == 5

    async def test_a_cancelled_workflow_is_replaced(
        self, session: AsyncSession, lab: Lab, strategy: Strategy
    ) -> None:
        first = await create_gauntlet_workflow(session, strategy_id=strategy.id, lab=lab)
        await cancel_gauntlet_workflow(session, workflow_id=first.id)
        fresh = await create_gauntlet_workflow(session, strategy_id=strategy.id, lab=lab)
        assert fresh.id != first.id and fresh.status == "running"

    async def test_unknown_strategy(self, session: AsyncSession, lab: Lab) -> None:
        with pytest.raises(NotFound):
            await create_gauntlet_workflow(session, strategy_id=999, lab=lab)


class TestRun:
    async def test_steps_run_in_order_to_the_verdicts_answer(
        self, session: AsyncSession, lab: Lab, strategy: Strategy
    ) -> None:
        created = await create_gauntlet_workflow(session, strategy_id=strategy.id, lab=lab)
        done = await run_all(session, lab, created.id)
        assert all(s.status in ("passed", "failed") for s in done.steps)
        assert all(s.attempts == 1 and s.finished_at is not None for s in done.steps)
        verdict = await run_verdict(session, strategy_id=strategy.id, lab=lab)
        # the same battery: each step's outcome is the verdict's test of the same name
        assert [s.result for s in done.steps] == verdict.tests
        assert done.status == ("passed" if verdict.passed else "failed")
        assert done.finished_at is not None

    async def test_a_stale_job_writes_nothing(
        self, session: AsyncSession, lab: Lab, strategy: Strategy
    ) -> None:
        created = await create_gauntlet_workflow(session, strategy_id=strategy.id, lab=lab)
        step = created.steps[0]
        assert await begin_step(session, step_id=step.id, job_id=-1, lab=lab) is None
        assert not await finish_step(session, step_id=step.id, job_id=-1, outcome=None)
        again = await get_gauntlet_workflow(session, workflow_id=created.id)
        assert again.steps[0].status == "queued"

    async def test_a_test_that_cannot_run_ends_its_step_in_error_and_the_run_goes_on(
        self, session: AsyncSession, lab: Lab, strategy: Strategy
    ) -> None:
        created = await create_gauntlet_workflow(session, strategy_id=strategy.id, lab=lab)
        step = created.steps[0]
        assert step.job_id is not None
        await begin_step(session, step_id=step.id, job_id=step.job_id, lab=lab)
        await finish_step(session, step_id=step.id, job_id=step.job_id, outcome=None, error="x")
        view = await get_gauntlet_workflow(session, workflow_id=created.id)
        assert (view.steps[0].status, view.steps[0].error) == ("error", "x")
        assert view.steps[1].status == "queued"


class TestResumeCancelRetry:
    async def test_a_budget_pauses_and_resume_goes_on(
        self, session: AsyncSession, lab: Lab, strategy: Strategy
    ) -> None:
        created = await create_gauntlet_workflow(session, strategy_id=strategy.id, lab=lab)
        await cancel_gauntlet_workflow(session, workflow_id=created.id)
        resumed = await resume_gauntlet_workflow(session, workflow_id=created.id, max_steps=2)
        assert resumed.status == "running" and resumed.steps[0].status == "queued"
        await run_next(session, lab, resumed)
        view = await get_gauntlet_workflow(session, workflow_id=created.id)
        await run_next(session, lab, view)
        view = await get_gauntlet_workflow(session, workflow_id=created.id)
        assert view.status == "paused"
        assert [s.status for s in view.steps[2:]] == ["pending"] * 6
        assert all(s.status in ("passed", "failed") for s in view.steps[:2])
        view = await resume_gauntlet_workflow(session, workflow_id=created.id)
        done = await run_all(session, lab, view.id)
        assert done.status in ("passed", "failed")

    async def test_cancel_stops_the_running_step_and_its_job(
        self, session: AsyncSession, lab: Lab, strategy: Strategy
    ) -> None:
        created = await create_gauntlet_workflow(session, strategy_id=strategy.id, lab=lab)
        step = created.steps[0]
        cancelled = await cancel_gauntlet_workflow(session, workflow_id=created.id)
        assert cancelled.status == "cancelled" and cancelled.steps[0].status == "cancelled"
        job = await session.get(Job, step.job_id)
        assert job is not None and job.status == "cancelled"
        # the job's worker finds nothing to do
        assert await begin_step(session, step_id=step.id, job_id=step.job_id or 0, lab=lab) is None
        again = await cancel_gauntlet_workflow(session, workflow_id=created.id)
        assert again.status == "cancelled"

    async def test_finished_workflows_refuse_resume_and_cancel(
        self, session: AsyncSession, lab: Lab, strategy: Strategy
    ) -> None:
        created = await create_gauntlet_workflow(session, strategy_id=strategy.id, lab=lab)
        await run_all(session, lab, created.id)
        for action in (resume_gauntlet_workflow, cancel_gauntlet_workflow):
            with pytest.raises(Conflict) as caught:
                await action(session, workflow_id=created.id)
            assert caught.value.code == "WORKFLOW_FINISHED"

    async def test_retry_reruns_one_step_and_settles_again(
        self, session: AsyncSession, lab: Lab, strategy: Strategy
    ) -> None:
        created = await create_gauntlet_workflow(session, strategy_id=strategy.id, lab=lab)
        done = await run_all(session, lab, created.id)
        target = done.steps[3]
        view = await retry_gauntlet_step(session, step_id=target.id)
        assert view.status == "running"
        assert [s.status for s in view.steps].count("queued") == 1
        assert view.steps[3].status == "queued" and view.steps[3].result is None
        again = await run_all(session, lab, created.id)
        assert again.steps[3].result == target.result and again.steps[3].attempts == 2
        assert again.status == done.status

    async def test_retry_refuses_an_unfinished_step(
        self, session: AsyncSession, lab: Lab, strategy: Strategy
    ) -> None:
        created = await create_gauntlet_workflow(session, strategy_id=strategy.id, lab=lab)
        with pytest.raises(Conflict) as caught:
            await retry_gauntlet_step(session, step_id=created.steps[1].id)
        assert caught.value.code == "STEP_NOT_FINISHED"
        with pytest.raises(NotFound):
            await retry_gauntlet_step(session, step_id=999)

    async def test_max_steps_must_be_positive(
        self, session: AsyncSession, lab: Lab, strategy: Strategy
    ) -> None:
        created = await create_gauntlet_workflow(session, strategy_id=strategy.id, lab=lab)
        with pytest.raises(InvalidInput):
            await resume_gauntlet_workflow(session, workflow_id=created.id, max_steps=0)
