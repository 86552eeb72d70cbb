"""Parity cases of the routine routes (collected by test_parity.py): the list, a create
compared with the GraphQL list's routine of that id, and a run-now compared with the
routine's last run as GraphQL reads it."""

from __future__ import annotations

from typing import Any

import httpx

from tests.rest_compat.parity_kit import Case, Ids, many, normalize, rest_get, rest_send, selection

BODY = {"name": "parity", "cron": "30 2 * * *", "timezone": "America/New_York",
        "prompt": "How is the lab?"}  # fmt: skip
RUN_TOPICS = ["routine.run_queued", "routine.run_started", "routine.run_finished",
              "job.running", "job.succeeded", "job.failed"]  # fmt: skip


def created(ids: Ids, rest: Any) -> tuple[str, Any]:
    """The created routine, as the GraphQL list reads it."""
    query = f"{{ x: routines {{ {selection('Routine')} }} }}"
    return query, lambda data: next(
        normalize("Routine", r) for r in data["x"] if int(r["id"]) == rest["id"]
    )


def dispatched(ids: Ids, rest: Any) -> tuple[str, Any]:
    """The run a run-now queued, as the routine's lastRun in the GraphQL list."""
    query = "{ x: routines { id lastRun { id jobId status } } }"

    def pick(data: Any) -> dict[str, Any]:
        routine = next(r for r in data["x"] if int(r["id"]) == ids["routine"])
        run = routine["lastRun"]
        return {
            "routine_id": int(routine["id"]),
            "run_id": int(run["id"]),
            "job_id": int(run["jobId"]),
            "status": run["status"].lower(),
            "poll": "query { routines { id lastRun { id status output error } } }",
            "events": RUN_TOPICS,
        }

    return query, pick


CASES: list[Case] = [
    Case("list_routines", rest_get("/api/routines"), many("Routine", "routines")),
    Case("create_routine", rest_send("POST", "/api/routines", lambda ids: BODY), created),
    Case("run_routine", rest_send("POST", "/api/routines/{routine}/run"), dispatched),
]  # fmt: skip


async def prepare(client: httpx.AsyncClient, ids: Ids) -> Ids:
    """One routine that has run once, so that the list shows a last run."""
    response = await client.post("/api/routines", json={**BODY, "name": "parity seed"})
    routine = response.json()
    await client.post(f"/api/routines/{routine['id']}/run")
    return {"routine": routine["id"]}
