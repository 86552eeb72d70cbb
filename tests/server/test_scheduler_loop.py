"""The scheduler running in the app: POST /api/system/stop halts the market ticks and /start
resumes them, and PATCH /api/scheduler/{id} changes a running schedule without a restart.

The loop really runs here; the tests wait for what they expect to see (bounded) instead of
sleeping fixed times. A second job (`beat`, never halted) proves that the loop kept passing
while a halted or disabled job stayed still.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import server.lifespan
from server.app import create_app
from server.jobs import JOBS
from server.scheduler import Job, JobContext
from server.settings import load_settings
from storage.events import Event
from tests.conftest import TEST_API_KEY, TEST_KEY_HEADERS, TEST_OPERATOR_KEY

WAIT_SECONDS = 30.0


async def beat(session: AsyncSession, ctx: JobContext) -> None:
    """Does nothing: its run count shows the loop passing."""


@pytest.fixture
async def client(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its scheduler on: the real tick job, and `beat` as events_prune."""
    jobs = {"market_ticks": JOBS["market_ticks"], "events_prune": Job(beat)}
    monkeypatch.setattr(server.lifespan, "JOBS", jobs)
    settings = load_settings(
        database_url=database_url,
        data_dir=tmp_path,
        demo=False,
        api_key=TEST_API_KEY,
        operator_key=TEST_OPERATOR_KEY,
        rate_limit="",
        agent_tick_seconds=0,
        scheduler=True,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=TEST_KEY_HEADERS
        ) as http:
            for job_id in ("market_ticks", "events_prune"):
                patched = await http.patch(
                    f"/api/scheduler/{job_id}", json={"interval_seconds": 0.1}
                )
                assert patched.status_code == 200, patched.text
            http.app = app  # type: ignore[attr-defined]
            yield http


async def until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still waiting for {what}")
        await asyncio.sleep(0.05)


async def tick_events(client: httpx.AsyncClient) -> int:
    factory = client.app.state.services.session_factory  # type: ignore[attr-defined]
    async with factory() as session:
        stmt = select(func.count()).where(Event.topic == "live.tick")
        return int(await session.scalar(stmt) or 0)


async def jobs(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/scheduler")
    assert response.status_code == 200
    return {job["id"]: job for job in response.json()}


async def beats_after(client: httpx.AsyncClient, passes: int) -> None:
    """Wait until the never-halted job has run `passes` more times."""
    start = (await jobs(client))["events_prune"]["runs"]

    async def ran() -> bool:
        return (await jobs(client))["events_prune"]["runs"] >= start + passes

    await until(ran, f"{passes} more beats")


async def test_stop_halts_the_ticks_and_start_resumes_them(client: httpx.AsyncClient) -> None:
    async def ticking(at_least: int) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return await tick_events(client) >= at_least

        return check

    await until(await ticking(3), "the first ticks")
    assert (await client.post("/api/system/stop", json={"reason": "drill"})).status_code == 200

    async def skipped() -> bool:
        return (await jobs(client))["market_ticks"]["last_status"] == "skipped"

    await until(skipped, "a skipped tick")  # from here on no tick run is in flight
    halted_at = await tick_events(client)
    await beats_after(client, 5)
    assert await tick_events(client) == halted_at
    status = (await client.get("/api/system/status")).json()
    assert status["paused"] and status["pause_reason"] == "drill"
    assert {j["id"]: j["last_status"] for j in status["scheduler"]}["market_ticks"] == "skipped"
    beat_ = (await client.get("/api/system/heartbeat")).json()
    assert beat_["alive"] and beat_["paused"]

    assert (await client.post("/api/system/start")).status_code == 200
    await until(await ticking(halted_at + 2), "ticks after the start")
    assert (await jobs(client))["market_ticks"]["last_status"] == "ok"


async def test_patch_changes_the_running_schedule(client: httpx.AsyncClient) -> None:
    async def runs() -> int:
        return int((await jobs(client))["market_ticks"]["runs"])

    async def stays_still() -> int:
        await beats_after(client, 2)  # a run in flight at the PATCH has finished by now
        before = await runs()
        await beats_after(client, 5)
        assert await runs() == before
        return before

    async def resumes(after: int) -> None:
        async def grew() -> bool:
            return await runs() >= after + 2

        await until(grew, "runs after the PATCH")

    await resumes(0)
    hourly = await client.patch("/api/scheduler/market_ticks", json={"interval_seconds": 3600})
    assert hourly.status_code == 200
    still = await stays_still()
    job = (await jobs(client))["market_ticks"]
    assert job["next_run_at"] > job["last_run_at"] and job["interval_seconds"] == 3600

    fast = await client.patch("/api/scheduler/market_ticks", json={"interval_seconds": 0.1})
    assert fast.status_code == 200
    await resumes(still)

    off = await client.patch("/api/scheduler/market_ticks", json={"enabled": False})
    assert off.status_code == 200 and off.json()["next_run_at"] is None
    still = await stays_still()
    on = await client.patch("/api/scheduler/market_ticks", json={"enabled": True})
    assert on.status_code == 200
    await resumes(still)
