"""The paper service survives a server restart: a session that was running resumes in the next
process (same session, ticks go on, no second session, its open trades still held)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from resolvers.lifecycle import transition_strategy
from resolvers.market.clock import MarketClock
from resolvers.strategies import create_strategy
from server.app import create_app
from server.jobs import JOBS
from server.scheduler import JobContext
from tests.conftest import TEST_KEY_HEADERS
from tests.labs import app_lab
from tests.resolvers.factories import make_hypothesis

HOUR = timedelta(hours=1)
FIRST_START = datetime(2026, 6, 1, tzinfo=UTC)


class Wall:
    """A wall clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@asynccontextmanager
async def running_app(settings: Any, wall: Wall) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """One server process's lifetime (migrations, lab, services) with a client; the process's
    market clock follows `wall`."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        app_lab(app).clock = MarketClock(start=wall.now, wall=wall)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=TEST_KEY_HEADERS
        ) as client:
            yield app, client


async def paper_tick(app: Any, wall: Wall, hours: int) -> None:
    """The scheduler's paper_tick job, run by hand on this process's lab once an hour for
    `hours` hours, each run in its own transaction as the scheduler runs it."""
    factory = app.state.services.session_factory
    lab = app_lab(app)
    for _ in range(hours):
        wall.now += HOUR
        ctx = JobContext(sessions=factory, publish=None, lab=lab, started_at=lab.clock.now())
        async with factory() as session:
            await JOBS["paper_tick"].run(session, ctx)
            await session.commit()


async def test_a_running_session_resumes_after_a_restart(settings: Any) -> None:
    wall = Wall(FIRST_START)
    async with running_app(settings, wall) as (app, client):
        async with app.state.services.session_factory() as session:
            hypothesis = await make_hypothesis(session)
            lab = app_lab(app)
            strategy = await create_strategy(
                session, hypothesis_id=hypothesis.id, name="macd BTC",
                family="macd_momentum", symbol="BTC-USD",
                lab=lab,
            )  # fmt: skip
            for target in ("research_only", "paper"):
                await transition_strategy(
                    session, strategy_id=strategy.id, target=target, enforce_gates=False, lab=lab
                )
            await session.commit()
        started = (await client.post("/api/paper/service/start")).json()
        await paper_tick(app, wall, 3)
        before = (await client.get("/api/paper/sessions")).json()["items"]
        held = (await client.get("/api/trades/open", params={"verify": True})).json()
        assert [s["ticks"] for s in before] == [3] and held

    wall.now += 10 * HOUR  # the server was down for a while
    async with running_app(settings, wall) as (app, client):
        resumed = (await client.get("/api/paper/sessions", params={"deployed": True})).json()
        assert [(s["id"], s["ticks"]) for s in resumed["items"]] == [(started["id"], 3)]
        still = (await client.get("/api/trades/open", params={"verify": True})).json()
        assert still == held  # the ledger and the venue's book both survived
        await paper_tick(app, wall, 2)
        after = (await client.get("/api/paper/sessions")).json()
        assert after["total"] == 1
        [session_now] = after["items"]
        assert session_now["id"] == started["id"] and session_now["status"] == "running"
        assert session_now["ticks"] == 5
        assert datetime.fromisoformat(session_now["last_tick_at"]) == wall.now
