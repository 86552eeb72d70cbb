"""The routine routes through the generated layer: every status, the scheduler's view, GraphQL."""

from __future__ import annotations

from typing import Any

import httpx

from resolvers.routines import propose_routine
from tests.rest_compat.helpers import sessions
from tests.schema.helpers import error_codes, gql

BODY = {"name": "morning", "cron": "0 8 * * 1-5", "timezone": "America/New_York",
        "prompt": "How is the lab?"}  # fmt: skip


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert (response.status_code, response.json()["code"]) == (status, code), response.text


async def test_create_list_and_run(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/routines", json=BODY)
    assert created.status_code == 201, created.text
    routine = created.json()
    assert (routine["status"], routine["author"], routine["action"]) == (
        "active", "operator", "prompt",
    )  # fmt: skip
    assert routine["next_run_at"].endswith("Z") or routine["next_run_at"].endswith("+00:00")
    assert routine["last_run"] is None and routine["enabled"] is True
    listed = await client.get("/api/routines")
    assert listed.status_code == 200 and listed.json() == [routine]
    run = await client.post(f"/api/routines/{routine['id']}/run")
    assert run.status_code == 202, run.text
    accepted = run.json()
    assert (accepted["routine_id"], accepted["status"]) == (routine["id"], "queued")
    assert "routine.run_finished" in accepted["events"]
    [after] = (await client.get("/api/routines")).json()
    assert after["last_run"]["id"] == accepted["run_id"]
    assert after["last_run"]["job_id"] == accepted["job_id"]
    assert after["last_run"]["status"] == "queued" and after["last_run"]["origin"] == "manual"
    jobs = {job["id"]: job for job in (await client.get("/api/scheduler")).json()}
    [scheduled] = jobs["routines"]["routines"]
    assert scheduled == {
        "id": routine["id"], "name": "morning", "cron": "0 8 * * 1-5",
        "timezone": "America/New_York", "status": "active",
        "next_run_at": routine["next_run_at"], "last_run_status": "queued",
        "last_run_at": after["last_run"]["queued_at"],
    }  # fmt: skip
    assert jobs["market_ticks"]["routines"] == []


async def test_refusals(client: httpx.AsyncClient, app: Any) -> None:
    assert_error(await client.post("/api/routines", json={**BODY, "cron": "0 8 * *"}), 422,
                 "INVALID_CRON")  # fmt: skip
    bad = await client.post("/api/routines", json={**BODY, "cron": "0 24 * * *"})
    assert_error(bad, 422, "INVALID_CRON")
    assert "hour" in bad.json()["detail"]["message"]
    assert_error(await client.post("/api/routines", json={**BODY, "timezone": "Nowhere/City"}),
                 422, "UNKNOWN_TIMEZONE")  # fmt: skip
    assert_error(await client.post("/api/routines", json={"name": "x", "cron": "* * * * *"}),
                 422, "INVALID_ROUTINE_ACTION")  # fmt: skip
    assert_error(await client.post("/api/routines", json={"cron": "* * * * *"}), 422,
                 "VALIDATION_ERROR")  # fmt: skip
    assert (await client.post("/api/routines", json=BODY)).status_code == 201
    assert_error(await client.post("/api/routines", json=BODY), 409, "ROUTINE_NAME_TAKEN")
    assert_error(await client.post("/api/routines/999/run"), 404, "ROUTINE_NOT_FOUND")
    async with sessions(app)() as session:
        proposed = await propose_routine(session, name="brain", cron="0 8 * * *", prompt="x")
        await session.commit()
    assert_error(await client.post(f"/api/routines/{proposed.id}/run"), 409, "ROUTINE_NOT_ACTIVE")
    listed = {r["name"]: r for r in (await client.get("/api/routines")).json()}
    assert listed["brain"]["status"] == "pending_approval"
    assert listed["brain"]["approval_id"] == proposed.approval_id


async def test_graphql_creates_lists_and_runs(client: httpx.AsyncClient) -> None:
    created = await gql(
        client,
        'mutation { createRoutine(name: "gql", cron: "*/15 * * * *", timezone: "Europe/Paris", '
        'tool: "list_trades", arguments: {status: "closed"}) '
        "{ id status author action tool arguments nextRunAt } }",
    )
    assert "errors" not in created, created
    routine = created["data"]["createRoutine"]
    assert (routine["status"], routine["author"], routine["action"]) == (
        "ACTIVE", "OPERATOR", "TOOL",
    )  # fmt: skip
    assert routine["arguments"] == {"status": "closed"}
    listed = await gql(client, "{ routines { id name timezone lastRun { id } } }")
    assert listed["data"]["routines"] == [
        {"id": routine["id"], "name": "gql", "timezone": "Europe/Paris", "lastRun": None}
    ]
    run = await gql(client, f'mutation {{ runRoutine(id: "{routine["id"]}") {{ runId status }} }}')
    assert run["data"]["runRoutine"]["status"] == "QUEUED", run
    again = await gql(client, 'mutation { createRoutine(name: "gql", cron: "bad", prompt: "x") '
                              "{ id } }")  # fmt: skip
    assert error_codes(again) == ["INVALID_CRON"]
