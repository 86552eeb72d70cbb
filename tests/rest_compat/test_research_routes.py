"""The verdict and gauntlet routes through the generated layer: shapes, statuses, refusals
that write nothing, and a workflow driven by the real job runner in the app's process."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from resolvers.quant.battery_setup import TEST_NAMES
from server.executors import ThreadExecutor
from server.workers import JOB_HANDLERS, JobWorkers
from storage.research.gauntlet import GauntletWorkflow
from storage.research.verdict import VerdictRun
from tests.rest_compat.helpers import sessions
from tests.rest_compat.test_forven_routes import assert_error, count_rows, events

VERDICT_KEYS = {"id", "strategy_id", "backtest_id", "family", "params", "dataset", "verdict",
                "passed", "failed", "trials", "tests", "created_at", "elapsed_ms"}  # fmt: skip
OUTCOME_KEYS = {"name", "value", "threshold", "passed", "reason", "details"}
WORKFLOW_KEYS = {"id", "strategy_id", "status", "family", "params", "dataset", "step_budget",
                 "steps", "created_at", "updated_at", "finished_at"}  # fmt: skip
STEP_KEYS = {"id", "workflow_id", "position", "name", "status", "progress", "message",
             "attempts", "job_id", "result", "error", "queued_at", "started_at",
             "finished_at"}  # fmt: skip


@pytest.fixture
async def strategy_id(client: httpx.AsyncClient) -> int:
    hypothesis = await client.post("/api/hypotheses/manual", json={"title": "Trends persist"})
    created = await client.post(
        "/api/backtesting/strategies", json={"hypothesis_id": hypothesis.json()["id"]}
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


class TestVerdict:
    async def test_a_strategy_judged_in_the_documented_shape(
        self, client: httpx.AsyncClient, strategy_id: int
    ) -> None:
        response = await client.post("/verdict/run", json={"strategy_id": strategy_id, "bars": 800})
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == VERDICT_KEYS
        assert [t["name"] for t in body["tests"]] == list(TEST_NAMES)
        assert all(set(t) == OUTCOME_KEYS for t in body["tests"])
        assert body["verdict"] in ("pass", "fail") and body["strategy_id"] == strategy_id

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            ({}, 422, "INVALID_TARGET"),
            ({"strategy_id": 1, "backtest_id": 1}, 422, "INVALID_TARGET"),
            ({"strategy_id": 999}, 404, "NOT_FOUND"),
            ({"backtest_id": 999}, 404, "NOT_FOUND"),
            ({"strategy_id": 1, "bars": 5}, 422, "VALIDATION_ERROR"),
            ({"strategy_id": "one"}, 422, "VALIDATION_ERROR"),
            ({"strategy_id": 1, "extra": True}, 422, "VALIDATION_ERROR"),
        ],
    )
    async def test_refusals_store_nothing(
        self, app: Any, client: httpx.AsyncClient, body: dict[str, Any], status: int, code: str
    ) -> None:
        emitted = await events(app)
        assert_error(await client.post("/verdict/run", json=body), status, code)
        assert await count_rows(app, VerdictRun) == 0
        assert await events(app) == emitted

    async def test_the_guide_lists_every_test(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/verdict/guide")
        assert response.status_code == 200
        tests = response.json()["tests"]
        assert [t["name"] for t in tests] == list(TEST_NAMES)
        assert {"name", "method", "thresholds", "parameters", "reference"} == set(tests[0])
        assert tests[1]["thresholds"] == {"significance": 0.95}

    async def test_the_operator_key_is_needed(self, app: Any, strategy_id: int) -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as bare:
            response = await bare.get("/verdict/guide")
        assert response.status_code == 401


class TestGauntletRoutes:
    async def test_create_is_idempotent_and_answers_the_workflow(
        self, app: Any, client: httpx.AsyncClient, strategy_id: int
    ) -> None:
        response = await client.post(f"/api/gauntlet/strategies/{strategy_id}/workflow")
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == WORKFLOW_KEYS and set(body["steps"][0]) == STEP_KEYS
        assert [s["status"] for s in body["steps"]] == ["queued"] + ["pending"] * 7
        again = await client.post(f"/api/gauntlet/strategies/{strategy_id}/workflow")
        assert again.json()["id"] == body["id"]
        assert await count_rows(app, GauntletWorkflow) == 1
        read = await client.get(f"/api/gauntlet/workflows/{body['id']}")
        assert read.json() == again.json()

    async def test_not_found_and_conflicts(
        self, client: httpx.AsyncClient, strategy_id: int
    ) -> None:
        assert_error(await client.post("/api/gauntlet/strategies/999/workflow"), 404, "NOT_FOUND")
        assert_error(await client.get("/api/gauntlet/workflows/999"), 404, "NOT_FOUND")
        assert_error(await client.post("/api/gauntlet/steps/999/retry"), 404, "NOT_FOUND")
        workflow = (await client.post(f"/api/gauntlet/strategies/{strategy_id}/workflow")).json()
        pending = workflow["steps"][1]["id"]
        assert_error(
            await client.post(f"/api/gauntlet/steps/{pending}/retry"), 409, "STEP_NOT_FINISHED"
        )
        assert_error(
            await client.post(
                f"/api/gauntlet/workflows/{workflow['id']}/resume", json={"max_steps": 0}
            ),
            422,
            "VALIDATION_ERROR",
        )

    async def test_cancel_then_resume_with_a_budget(
        self, client: httpx.AsyncClient, strategy_id: int
    ) -> None:
        workflow = (await client.post(f"/api/gauntlet/strategies/{strategy_id}/workflow")).json()
        cancelled = await client.post(f"/api/gauntlet/workflows/{workflow['id']}/cancel")
        assert cancelled.json()["status"] == "cancelled"
        assert cancelled.json()["steps"][0]["status"] == "cancelled"
        resumed = await client.post(
            f"/api/gauntlet/workflows/{workflow['id']}/resume", json={"max_steps": 2}
        )
        assert resumed.status_code == 200
        assert (resumed.json()["status"], resumed.json()["step_budget"]) == ("running", 1)
        assert resumed.json()["steps"][0]["status"] == "queued"

    async def test_the_job_runner_takes_it_to_the_end(
        self, app: Any, client: httpx.AsyncClient, strategy_id: int
    ) -> None:
        services = app.state.services
        runner = JobWorkers(
            sessions(app),
            services.bus.publish,
            executor=ThreadExecutor(),
            handlers=JOB_HANDLERS,
            lab=services.lab,
            poll_seconds=0.05,
        )
        workflow = (await client.post(f"/api/gauntlet/strategies/{strategy_id}/workflow")).json()
        await runner.start()
        try:
            for _ in range(600):
                body = (await client.get(f"/api/gauntlet/workflows/{workflow['id']}")).json()
                if body["status"] in ("passed", "failed"):
                    break
                await asyncio.sleep(0.05)
        finally:
            await runner.stop()
        assert body["status"] in ("passed", "failed"), body
        assert [s["status"] in ("passed", "failed") for s in body["steps"]] == [True] * 8
        assert all(s["attempts"] == 1 and s["progress"] == 1.0 for s in body["steps"])
        verdict = (await client.post("/verdict/run", json={"strategy_id": strategy_id})).json()
        assert [s["result"] for s in body["steps"]] == verdict["tests"]
        assert body["status"] == ("passed" if verdict["passed"] else "failed")
