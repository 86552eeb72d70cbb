"""The brain routes: 202 while a task is queued or running and 200 after, the direct run,
proposals through approvals, the memory bank and the overview's attention list."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from resolvers.approvals import create_approval
from resolvers.jobs import cancel_job, claim_job, enqueue_job
from resolvers.lab.services import Lab
from server.demo import seed_demo
from server.executors import ThreadExecutor
from server.workers import JOB_HANDLERS, JobWorkers
from storage.approvals import Approval
from storage.brain import BrainMemory
from storage.providers import POLICY_ROW_ID, ModelCall, ModelPolicy
from tests.labs import app_lab
from tests.rest_compat.helpers import sessions
from tests.schema.helpers import gql


def runner(app: Any) -> JobWorkers:
    services = app.state.services
    return JobWorkers(
        sessions(app),
        services.bus.publish,
        executor=ThreadExecutor(),
        handlers=JOB_HANDLERS,
        lab=services.lab,
        poll_seconds=0.05,
    )


async def poll_until_done(client: httpx.AsyncClient, task_id: str) -> httpx.Response:
    for _ in range(400):
        response = await client.get(f"/api/brain/chat/{task_id}")
        if response.status_code == 200:
            return response
        assert response.status_code == 202, response.text
        await asyncio.sleep(0.05)
    raise AssertionError("the task did not finish")


@pytest.fixture
async def demo(app: Any) -> None:
    end = datetime(2026, 11, 1, tzinfo=UTC)
    assert await seed_demo(sessions(app), None, seed=3, days=3, end=end, lab=app_lab(app))


async def test_queued_task_answers_202_then_200(app: Any, client: httpx.AsyncClient) -> None:
    queued = await client.post("/api/brain/chat", json={"prompt": "Which strategies are there?"})
    assert queued.status_code == 202, queued.text
    task = queued.json()
    assert (task["status"], task["progress"], task["attempts"]) == ("queued", 0.0, 0)
    assert task["poll"] == f"GET /api/brain/chat/{task['task_id']}"
    assert task["task_id"].isdigit()
    still = await client.get(f"/api/brain/chat/{task['task_id']}")
    assert (still.status_code, still.json()) == (202, task)  # no worker yet: stays queued
    workers = runner(app)
    await workers.start()
    try:
        done = await poll_until_done(client, task["task_id"])
    finally:
        await workers.stop()
    result = done.json()
    assert (result["status"], result["task_id"], result["error_code"]) == (
        "succeeded",
        task["task_id"],
        None,
    )
    assert result["provider"] == "lab" and result["model"] == "lab-analyst"
    assert result["answer"] and result["completion_tokens"] > 0
    assert [c["name"] for c in result["tool_calls"]] == ["list_strategies"]
    [written] = result["memories_written"]
    memory = (await client.get("/api/brain/memory")).json()["items"]
    assert [m["id"] for m in memory] == [written]
    assert (memory[0]["source"], memory[0]["source_id"]) == ("task", task["task_id"])
    assert memory[0]["provenance"]["tools"][0]["name"] == "list_strategies"
    assert "Which strategies are there?" in memory[0]["content"]
    async with sessions(app)() as session:
        calls = (await session.scalars(select(ModelCall))).all()
    assert [(c.task_kind, c.ok) for c in calls] == [("chat", True)]


async def test_a_task_recalls_memories_and_stamps_them(app: Any, client: httpx.AsyncClient) -> None:
    added = await gql(
        client,
        'mutation { addBrainMemory(content: "Operators prefer ETH '
        'momentum strategies", kind: "preference") { id lastUsedAt source } }',
    )
    memory = added["data"]["addBrainMemory"]
    assert (memory["lastUsedAt"], memory["source"]) == (None, "operator")
    other = await client.post("/api/brain/chat/direct", json={"prompt": "How is the weather"})
    assert other.json()["memories_used"] == []
    direct = await client.post(
        "/api/brain/chat/direct", json={"message": "Which momentum strategies exist?"}
    )
    assert direct.status_code == 200, direct.text
    # the operator's memory matches two words (momentum, strategies): it comes first
    assert direct.json()["memories_used"][0] == int(memory["id"])
    listed = (await client.get("/api/brain/memory", params={"source": "operator"})).json()
    assert listed["items"][0]["last_used_at"] is not None
    forgotten = await gql(
        client, f'mutation {{ forgetBrainMemory(id: "{memory["id"]}") {{ id }} }}'
    )
    assert "errors" not in forgotten
    missing = await gql(client, f'mutation {{ forgetBrainMemory(id: "{memory["id"]}") {{ id }} }}')
    assert missing["errors"][0]["extensions"]["code"] == "MEMORY_NOT_FOUND"


async def test_memory_filters_and_paging(app: Any, client: httpx.AsyncClient) -> None:
    for text, kind in [
        ("BTC trends in winter", "fact"),
        ("ETH chops", "observation"),
        ("btc funding is high", "fact"),
    ]:
        await gql(
            client, f'mutation {{ addBrainMemory(content: "{text}", kind: "{kind}") {{ id }} }}'
        )
    facts = (await client.get("/api/brain/memory", params={"kind": "fact"})).json()
    assert [m["content"] for m in facts["items"]] == ["BTC trends in winter", "btc funding is high"]
    found = (await client.get("/api/brain/memory", params={"q": "BTC"})).json()
    assert found["total"] == 2
    first = (await client.get("/api/brain/memory", params={"limit": 1})).json()
    assert first["next_cursor"] is not None
    rest = (
        await client.get("/api/brain/memory", params={"limit": 5, "cursor": first["next_cursor"]})
    ).json()
    assert [m["content"] for m in rest["items"]] == ["ETH chops", "btc funding is high"]
    bad = await client.get("/api/brain/memory", params={"kind": "rumour"})
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "INVALID_PROMPT"),
        ({"prompt": "   "}, "INVALID_PROMPT"),
        ({"prompt": "x" * 4001}, "INVALID_PROMPT"),
        ({"prompt": "a", "message": "b"}, "INVALID_PROMPT"),
        ({"prompt": "a", "propose": {"kind": "routine", "cron": "0 * * * *"}}, "INVALID_PROPOSAL"),
        (
            {
                "prompt": "a",
                "propose": {"kind": "routine", "name": "r", "cron": "61 * * * *", "prompt": "scan"},
            },
            "INVALID_CRON",
        ),
        (
            {"prompt": "a", "propose": {"kind": "routine", "name": "r", "cron": "0 * * * *"}},
            "INVALID_ROUTINE_ACTION",
        ),
        ({"prompt": "a", "propose": {"kind": "trade"}}, "INVALID_PROPOSAL"),
        ({"prompt": "a", "propose": {"kind": "hypothesis"}}, "INVALID_PROPOSAL"),
        ({"prompt": "a", "propose": {"kind": "transition", "strategy_id": 1}}, "INVALID_PROPOSAL"),
    ],
)
@pytest.mark.parametrize("path", ["/api/brain/chat", "/api/brain/chat/direct"])
async def test_bad_bodies(client: httpx.AsyncClient, path: str, body: Any, code: str) -> None:
    response = await client.post(path, json=body)
    assert (response.status_code, response.json()["code"]) == (422, code), response.text


async def test_unknown_tasks(app: Any, client: httpx.AsyncClient) -> None:
    async with sessions(app)() as session:
        other = await enqueue_job(session, kind="fetch", payload={})
        await session.commit()
    for task_id in ["999999", "abc", str(other.id)]:
        response = await client.get(f"/api/brain/chat/{task_id}")
        assert (response.status_code, response.json()["code"]) == (404, "TASK_NOT_FOUND")
    body = await gql(client, f'{{ brainTask(taskId: "{other.id}") {{ status }} }}')
    assert body["errors"][0]["extensions"]["code"] == "TASK_NOT_FOUND"


async def test_running_cancelled_and_failed_tasks(app: Any, client: httpx.AsyncClient) -> None:
    first = (await client.post("/api/brain/chat", json={"prompt": "one"})).json()
    second = (await client.post("/api/brain/chat", json={"prompt": "two"})).json()
    async with sessions(app)() as session:
        claimed = await claim_job(session, kinds=["brain.chat"], owner="test", lease_seconds=60)
        assert claimed is not None and str(claimed.id) == first["task_id"]
        await cancel_job(session, job_id=int(second["task_id"]))
        await session.commit()
    running = await client.get(f"/api/brain/chat/{first['task_id']}")
    assert (running.status_code, running.json()["status"]) == (202, "running")
    overview = (await client.get("/api/brain/overview")).json()
    assert overview["state"] == "working"
    assert [t["task_id"] for t in overview["activity"]["running"]] == [first["task_id"]]
    cancelled = await client.get(f"/api/brain/chat/{second['task_id']}")
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["error_code"]) == (
        "cancelled",
        "BRAIN_TASK_CANCELLED",
    )
    assert overview["activity"]["last_finished"]["task_id"] == second["task_id"]
    gql_state = await gql(
        client,
        f'{{ brainTask(taskId: "{first["task_id"]}") {{ status }} '
        f'brainChatResult(taskId: "{first["task_id"]}") {{ status }} }}',
    )
    assert gql_state["data"] == {"brainTask": {"status": "running"}, "brainChatResult": None}


async def test_a_failing_model_fails_the_task(app: Any, client: httpx.AsyncClient) -> None:
    """The chat route points at an HTTP provider that is not configured: the task fails for
    good, and the poll answers 200 with the error."""
    async with sessions(app)() as session:  # PUT /api/model-policy refuses an unknown provider
        session.add(
            ModelPolicy(
                id=POLICY_ROW_ID,
                tasks={"chat": {"provider": "openai", "model": "gpt-x", "fallback": []}},
            )
        )
        await session.commit()
    task = (await client.post("/api/brain/chat", json={"prompt": "hello"})).json()
    workers = runner(app)
    await workers.start()
    try:
        done = (await poll_until_done(client, task["task_id"])).json()
    finally:
        await workers.stop()
    assert (done["status"], done["error_code"], done["answer"]) == (
        "failed",
        "BRAIN_TASK_FAILED",
        None,
    )
    assert "openai" in done["error_message"].lower()
    direct = await client.post("/api/brain/chat/direct", json={"prompt": "hello"})
    assert direct.status_code == 503 and direct.json()["code"].startswith("PROVIDER")


async def test_proposals_go_through_approvals(
    app: Any, client: httpx.AsyncClient, demo: None
) -> None:
    strategies = (await client.get("/api/strategies", params={"limit": 500})).json()["items"]
    ready = None
    for strategy in strategies:
        if strategy["stage"] == "quick_screen":
            check = await client.get(f"/api/lifecycle/strategies/{strategy['id']}/readiness")
            if check.json()["ready"]:
                ready = strategy["id"]
                break
    assert ready is not None
    hypotheses = (await client.get("/api/hypotheses", params={"limit": 500})).json()["total"]
    ran = await client.post(
        "/api/brain/chat/direct",
        json={
            "prompt": f"Is strategy {ready} ready for promotion?",
            "propose": {"kind": "transition", "strategy_id": ready, "target": "research_only"},
        },
    )
    result = ran.json()
    assert [c["name"] for c in result["tool_calls"]][:2] == [
        "get_strategy",
        "get_strategy_readiness",
    ]
    [proposal] = result["proposals"]
    assert (proposal["kind"], proposal["status"], proposal["origin"]) == (
        "transition",
        "filed",
        "request",
    )
    still = (await client.get(f"/api/lifecycle/strategies/{ready}")).json()["strategy"]
    assert still["stage"] == "quick_screen"  # the brain proposes; nothing moved
    [approval] = (await client.get("/api/approvals", params={"owner": "brain"})).json()["items"]
    assert approval["id"] == proposal["approval_id"]
    assert (approval["type"], approval["owner"], approval["status"]) == (
        "brain.transition",
        "brain",
        "pending",
    )
    overview = (await client.get("/api/brain/overview")).json()
    assert any(
        a["kind"] == "approval_pending" and a["entity_id"] == str(approval["id"])
        for a in overview["attention"]
    )
    approved = await client.post(f"/api/approvals/{approval['id']}/approve")
    assert approved.status_code == 200, approved.text
    moved = (await client.get(f"/api/lifecycle/strategies/{ready}")).json()["strategy"]
    assert moved["stage"] == "research_only"

    idea = await client.post(
        "/api/brain/chat/direct",
        json={
            "prompt": "Propose something",
            "propose": {"kind": "hypothesis", "title": "Funding mean reversion"},
        },
    )
    [filed] = idea.json()["proposals"]
    assert (await client.get("/api/hypotheses", params={"limit": 500})).json()[
        "total"
    ] == hypotheses
    decided = await client.post(f"/api/approvals/{filed['approval_id']}/approve")
    assert decided.status_code == 200, decided.text
    after = (await client.get("/api/hypotheses", params={"limit": 500})).json()
    assert after["total"] == hypotheses + 1
    assert after["items"][-1]["title"] == "Funding mean reversion"


async def test_a_routine_proposal_waits_for_its_approval(client: httpx.AsyncClient) -> None:
    routine = {"kind": "routine", "name": "weekday scan", "cron": "0 9 * * 1-5",
               "timezone": "Europe/Berlin", "prompt": "What needs attention?"}  # fmt: skip
    ran = await client.post("/api/brain/chat/direct", json={"prompt": "x", "propose": routine})
    [filed] = ran.json()["proposals"]
    assert (filed["kind"], filed["status"]) == ("routine", "filed")
    [waiting] = (await client.get("/api/routines")).json()
    assert (waiting["name"], waiting["author"], waiting["status"]) == (
        "weekday scan", "brain", "pending_approval")  # fmt: skip
    assert waiting["approval_id"] == filed["approval_id"] and waiting["next_run_at"] is None
    approval = (await client.get("/api/approvals", params={"type": "routine"})).json()["items"]
    assert [a["id"] for a in approval] == [filed["approval_id"]]
    assert (await client.post(f"/api/approvals/{filed['approval_id']}/approve")).status_code == 200
    [active] = (await client.get("/api/routines")).json()
    assert (active["status"], active["timezone"]) == ("active", "Europe/Berlin")
    assert active["next_run_at"] is not None
    # the same name again is filed by nobody: skipped with the routine's own code
    again = await client.post("/api/brain/chat/direct", json={"prompt": "x", "propose": routine})
    [skipped] = again.json()["proposals"]
    assert skipped["status"] == "skipped" and skipped["reason"].startswith("ROUTINE_NAME_TAKEN")


async def test_overview_attention_and_pause(app: Any, client: httpx.AsyncClient) -> None:
    idle = (await client.get("/api/brain/overview")).json()
    assert (idle["state"], idle["attention"], idle["activity"]["queued"]) == ("idle", [], 0)
    async with sessions(app)() as session:
        late = await create_approval(
            session,
            type="promotion",
            target_type="strategy",
            target_id="1",
            owner="pipeline",
            summary="late",
            deadline=datetime.now(UTC) - timedelta(hours=1),
        )
        await create_approval(
            session,
            type="promotion",
            target_type="strategy",
            target_id="2",
            owner="pipeline",
            summary="fresh",
        )
        await session.commit()
    await client.post("/api/brain/chat", json={"prompt": "queued"})
    await client.post("/api/system/stop", json={"reason": "test"})
    overview = (await client.get("/api/brain/overview")).json()
    assert overview["state"] == "paused" and overview["activity"]["queued"] == 1
    kinds = [(a["kind"], a["severity"], a["entity_id"]) for a in overview["attention"]]
    assert kinds[0] == ("approval_overdue", "high", str(late.id))
    assert [k for k, _, _ in kinds] == ["approval_overdue", "approval_pending"]
    body = await gql(client, "{ brainOverview { state attention { kind } } }")
    assert body["data"]["brainOverview"]["state"] == "paused"


async def test_overview_lists_failing_gates_and_declining_skills(
    app: Any, client: httpx.AsyncClient, demo: None, lab: Lab
) -> None:
    overview = (await client.get("/api/brain/overview")).json()
    gates = [a for a in overview["attention"] if a["kind"] == "gate_failing"]
    assert gates, overview["attention"]
    strategy_id = gates[0]["entity_id"]
    readiness = (await client.get(f"/api/lifecycle/strategies/{strategy_id}/readiness")).json()
    assert readiness["ready"] is False
    declining = (await client.get("/api/skills/declining")).json()["skills"]
    assert len([a for a in overview["attention"] if a["kind"] == "skill_declining"]) == min(
        20, len(declining)
    )


async def test_no_memory_rows_when_validation_refuses(app: Any, client: httpx.AsyncClient) -> None:
    await client.post("/api/brain/chat/direct", json={"prompt": ""})
    async with sessions(app)() as session:
        assert (await session.scalars(select(BrainMemory))).all() == []
        assert (await session.scalars(select(Approval))).all() == []
