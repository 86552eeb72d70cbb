"""The control plane on GraphQL: the same state as REST, refusals with their codes and no
writes, and the operator gate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from storage.events import Event
from tests.access_rules import API
from tests.schema.helpers import error_codes, gql
from tests.schema.keyed import client_for, keyed_settings, refusal, serving

STOP = 'mutation { stopSystem(reason: "drill") { paused pauseReason mode executionMode } }'
START = "mutation { startSystem { paused pausedAt } }"
STATUS = "{ systemStatus { paused pauseReason scheduler { id enabled lastStatus } } }"
LIVE = "mutation { setExecutionMode(mode: LIVE) { executionMode } }"
MODE = "mutation($m: AutonomyMode!) { setSystemMode(mode: $m) { mode approvalRequired { paper } } }"
PATCH = """
mutation($id: String!, $s: Float, $on: Boolean) {
  updateSchedulerJob(id: $id, intervalSeconds: $s, enabled: $on) { id intervalSeconds enabled }
}
"""


async def events(app: Any, topic: str) -> int:
    async with app.state.services.session_factory() as session:
        return int(await session.scalar(select(func.count()).where(Event.topic == topic)) or 0)


async def test_stop_and_start(client: httpx.AsyncClient, app: Any) -> None:
    stopped = await gql(client, STOP)
    assert stopped["data"]["stopSystem"] == {
        "paused": True, "pauseReason": "drill", "mode": "SEMI_AUTO", "executionMode": "PAPER",
    }  # fmt: skip
    status = (await gql(client, STATUS))["data"]["systemStatus"]
    assert (status["paused"], status["pauseReason"]) == (True, "drill")
    assert [job["id"] for job in status["scheduler"]][:2] == ["market_ticks", "paper_tick"]
    rest = (await client.get("/api/system/status")).json()
    assert rest["paused"] and rest["pause_reason"] == "drill"
    assert (await gql(client, START))["data"]["startSystem"] == {"paused": False, "pausedAt": None}
    assert (await events(app, "system.paused"), await events(app, "system.resumed")) == (1, 1)


async def test_live_is_refused_with_its_code(client: httpx.AsyncClient, app: Any) -> None:
    body = await gql(client, LIVE)
    assert error_codes(body) == ["EXECUTION_MODE_LOCKED"]
    assert body["errors"][0]["extensions"]["http"]["status"] == 503
    assert await events(app, "system.execution_mode_changed") == 0


async def test_mode(client: httpx.AsyncClient) -> None:
    body = await gql(client, MODE, {"m": "AUTO"})
    assert body["data"]["setSystemMode"] == {"mode": "AUTO", "approvalRequired": {"paper": False}}
    assert (await client.get("/api/system/mode")).json()["mode"] == "auto"


async def test_scheduler_job_updates_and_refusals(client: httpx.AsyncClient, app: Any) -> None:
    body = await gql(client, PATCH, {"id": "pipeline", "s": 30.0})
    assert body["data"]["updateSchedulerJob"] == {
        "id": "pipeline", "intervalSeconds": 30.0, "enabled": True,
    }  # fmt: skip
    assert error_codes(await gql(client, PATCH, {"id": "pipeline", "s": 0.01})) == [
        "VALIDATION_ERROR"
    ]
    assert error_codes(await gql(client, PATCH, {"id": "nope", "on": False})) == ["NOT_FOUND"]
    assert error_codes(await gql(client, PATCH, {"id": "pipeline"})) == ["VALIDATION_ERROR"]
    assert await events(app, "scheduler.job_updated") == 1


async def test_reconcile_and_last_report(client: httpx.AsyncClient) -> None:
    assert (await gql(client, "{ lastReconciliation { repair } }"))["data"] == {
        "lastReconciliation": None
    }
    ran = await gql(client, "mutation { reconcileExchange(repair: false) { repair repaired } }")
    assert ran["data"]["reconcileExchange"] == {"repair": False, "repaired": 0}
    last = await gql(client, "{ lastReconciliation { repair checkedTrades differences { kind } } }")
    assert last["data"]["lastReconciliation"] == {
        "repair": False, "checkedTrades": 0, "differences": [],
    }  # fmt: skip


async def test_the_operator_key_is_required(tmp_path: Path) -> None:
    settings = keyed_settings(tmp_path, api_key=API, operator_key="operator", scheduler=False)
    async with serving(settings) as app, client_for(app, {"x-api-key": API}) as http:
        for document in (STOP, "{ systemHeartbeat { alive } }", "{ dashboard { hypotheses } }"):
            response = await http.post("/graphql", json={"query": document})
            assert refusal(response) == (401, "INVALID_OPERATOR_KEY"), document
        assert await events(app, "system.paused") == 0
