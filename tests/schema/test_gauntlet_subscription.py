"""The `gauntletWorkflow` subscription: the workflow now, then after every change of it or its
steps, ending once it settles; other workflows' events pass it by."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from resolvers.research.gauntlet import cancel_gauntlet_workflow, create_gauntlet_workflow
from resolvers.research.gauntlet_steps import begin_step
from schema.context import GraphQLContext
from schema.root import build_schema
from storage.outbox import commit_and_publish
from tests.conftest import TEST_KEY_HEADERS
from tests.resolvers.factories import make_strategy

QUERY = "subscription($id: ID!) { gauntletWorkflow(id: $id) { id status steps { name status } } }"


async def _open(app: Any, workflow_id: int, keys: dict[str, str] = TEST_KEY_HEADERS) -> Any:
    context = GraphQLContext(services=app.state.services, connection_params=keys)
    return await build_schema().subscribe(
        QUERY, variable_values={"id": str(workflow_id)}, context_value=context
    )


async def _next(stream: Any) -> dict[str, Any]:
    assert isinstance(stream, AsyncGenerator), stream
    result = await asyncio.wait_for(anext(stream), timeout=5)
    assert not result.errors, result.errors
    return dict(result.data["gauntletWorkflow"])


async def test_changes_arrive_until_it_settles(app: Any) -> None:
    services = app.state.services
    lab = services.lab
    async with services.session_factory() as session:
        mine = await create_gauntlet_workflow(
            session, strategy_id=(await make_strategy(session, lab=lab)).id, lab=lab
        )
        other_strategy = await make_strategy(session, name="other", lab=lab)
        await commit_and_publish(session, services.bus.publish)
    stream = await _open(app, mine.id)
    first = await _next(stream)
    assert first["status"] == "RUNNING" and first["steps"][0]["status"] == "QUEUED"
    async with services.session_factory() as session:
        # another workflow's events are not this subscription's
        await create_gauntlet_workflow(session, strategy_id=other_strategy.id, lab=lab)
        step = mine.steps[0]
        await begin_step(session, step_id=step.id, job_id=step.job_id or 0, lab=lab)
        await commit_and_publish(session, services.bus.publish)
    running = await _next(stream)
    assert running["id"] == str(mine.id) and running["steps"][0]["status"] == "RUNNING"
    async with services.session_factory() as session:
        await cancel_gauntlet_workflow(session, workflow_id=mine.id)
        await commit_and_publish(session, services.bus.publish)
    settled = await _next(stream)
    while settled["status"] != "CANCELLED":  # a step event may come first; all show the row
        settled = await _next(stream)
    assert settled["steps"][0]["status"] == "CANCELLED"
    try:
        await asyncio.wait_for(anext(stream), timeout=2)
    except StopAsyncIteration:
        pass
    else:
        raise AssertionError("the subscription went on after the workflow settled")


async def test_the_operator_key_is_needed(app: Any) -> None:
    services = app.state.services
    async with services.session_factory() as session:
        workflow = await create_gauntlet_workflow(
            session, strategy_id=(await make_strategy(session)).id, lab=services.lab
        )
        await session.commit()
    api_only = {k: v for k, v in TEST_KEY_HEADERS.items() if "operator" not in k}
    result = await _open(app, workflow.id, keys=api_only)
    if isinstance(result, AsyncGenerator):  # strawberry streams the refusal as one result
        result = await anext(result)
    assert [e.extensions["code"] for e in result.errors] == ["INVALID_OPERATOR_KEY"]
