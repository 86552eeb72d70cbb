"""The sandbox routes through the generated layer: the scan is ungated and always on."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from tests.labs import app_lab
from tests.schema.helpers import gql


async def test_scan_answers_verdict_and_findings_with_the_api_key_alone(
    client: httpx.AsyncClient,
) -> None:
    code = "import math\nimport socket\n"
    request = client.build_request("POST", "/api/sandbox/scan", json={"code": code})
    del request.headers["x-operator-key"]
    response = await client.send(request)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verdict"] == "fail"
    assert body["findings"][0]["rule"] == "network"
    assert body["findings"][0]["line"] == 2


async def test_scan_passes_clean_code(client: httpx.AsyncClient) -> None:
    code = "import math\ndef signals(close):\n    return [math.copysign(1, c) for c in close]\n"
    response = await client.post("/api/sandbox/scan", json={"code": code})
    assert response.json() == {"verdict": "pass", "findings": []}


async def test_scan_refuses_a_bad_body(client: httpx.AsyncClient) -> None:
    missing = await client.post("/api/sandbox/scan", json={})
    assert missing.status_code == 422
    blank = await client.post("/api/sandbox/scan", json={"code": "  "})
    assert (blank.status_code, blank.json()["code"]) == (422, "INVALID_CODE")


async def test_scan_needs_the_api_key(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/sandbox/scan", json={"code": "x = 1"}, headers={"x-api-key": "wrong"}
    )
    assert response.status_code == 401


async def test_graphql_scan_is_the_same_analysis(client: httpx.AsyncClient) -> None:
    code = json.dumps("exec(1)")
    document = (
        f"mutation {{ scanStrategyCode(code: {code}) {{ verdict findings {{ rule line }} }} }}"
    )
    body = await gql(client, document)
    assert body["data"]["scanStrategyCode"] == {
        "verdict": "fail",
        "findings": [{"rule": "dynamic_code", "line": 1}],
    }


CLEAN = "import math\ndef signals(close):\n    return [math.copysign(1, c - 100) for c in close]\n"
LOOP = "def signals(close):\n    while True:\n        pass\n"


@pytest.fixture
async def enabled(client: httpx.AsyncClient) -> None:
    """The sandbox enabled as an operator does it: PUT /api/settings/sandbox."""
    response = await client.put("/api/settings/sandbox", json={"values": {"enabled": True}})
    assert response.status_code == 200, response.text


async def test_test_and_kill_answer_503_while_disabled(client: httpx.AsyncClient) -> None:
    test = await client.post("/api/sandbox/test", json={"code": CLEAN})
    assert (test.status_code, test.json()["code"]) == (503, "SANDBOX_DISABLED")
    kill = await client.post("/api/sandbox/runs/abc/kill")
    assert (kill.status_code, kill.json()["code"]) == (503, "SANDBOX_DISABLED")


async def test_test_runs_clean_code_when_enabled(client: httpx.AsyncClient, enabled: None) -> None:
    response = await client.post("/api/sandbox/test", json={"code": CLEAN, "run_id": "clean"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["id"], body["status"], body["limit_hit"]) == ("clean", "succeeded", None)
    assert body["result"]["bars"] == 240
    again = await client.post("/api/sandbox/test", json={"code": CLEAN, "run_id": "clean"})
    assert (again.status_code, again.json()["code"]) == (409, "SANDBOX_RUN_EXISTS")


async def test_test_refuses_code_the_scan_fails(client: httpx.AsyncClient, enabled: None) -> None:
    response = await client.post("/api/sandbox/test", json={"code": "import os\n"})
    assert (response.status_code, response.json()["code"]) == (422, "SANDBOX_SCAN_FAILED")
    assert response.json()["detail"]["findings"][0]["rule"] == "process"
    bad_id = await client.post("/api/sandbox/test", json={"code": CLEAN, "run_id": "A B"})
    assert (bad_id.status_code, bad_id.json()["code"]) == (422, "INVALID_RUN_ID")


async def test_test_and_kill_are_operator_gated(client: httpx.AsyncClient, enabled: None) -> None:
    request = client.build_request("POST", "/api/sandbox/test", json={"code": CLEAN})
    del request.headers["x-operator-key"]
    assert (await client.send(request)).status_code == 401


async def test_kill_ends_a_running_test(client: httpx.AsyncClient, enabled: None, app: Any) -> None:
    test = asyncio.create_task(
        client.post("/api/sandbox/test", json={"code": LOOP, "run_id": "spin"})
    )
    runs = app_lab(app).sandbox
    for _ in range(1_000):
        run = runs.get("spin")
        if run is not None and run.process is not None:
            break
        await asyncio.sleep(0.02)
    killed = await client.post("/api/sandbox/runs/spin/kill")
    assert killed.status_code == 200, killed.text
    assert killed.json()["status"] == "killed"
    answer = (await test).json()
    assert (answer["status"], answer["limit_hit"]) == ("killed", None)
    again = await client.post("/api/sandbox/runs/spin/kill")
    assert again.json() == answer  # idempotent
    missing = await client.post("/api/sandbox/runs/nope/kill")
    assert (missing.status_code, missing.json()["code"]) == (404, "SANDBOX_RUN_NOT_FOUND")


async def test_graphql_test_and_kill(client: httpx.AsyncClient, enabled: None) -> None:
    code = json.dumps(CLEAN)
    document = f'mutation {{ testSandboxCode(code: {code}, runId: "g") {{ id status }} }}'
    ran = await gql(client, document)
    assert ran["data"]["testSandboxCode"] == {"id": "g", "status": "succeeded"}
    kill = await gql(client, 'mutation { killSandboxRun(id: "g") { id status } }')
    assert kill["data"]["killSandboxRun"]["id"] == "g"
