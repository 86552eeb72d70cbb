"""The bot supervisor: a killed bot task is restarted with backoff and its heartbeat resumes, a
hung one is cancelled and restarted, one that keeps dying is marked failed with its error, a
system pause stops its orders, and running bots come back after a server restart."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.bots.bots import create_bot, start_bot, stop_bot
from resolvers.bots.runtime import StepResult
from resolvers.control import start_system, stop_system
from resolvers.lab.services import Lab
from server.app import create_app
from server.bot_supervisor import BotSupervisor, SupervisorConfig
from storage.bots import Bot
from storage.events import Event
from storage.notifications import Notification
from storage.trades import Trade
from tests.conftest import TEST_KEY_HEADERS
from tests.resolvers.test_paper_service import market_lab

FAST = SupervisorConfig(
    pass_seconds=0.01,
    step_seconds=0.01,
    stale_seconds=30.0,
    backoff_seconds=0.01,
    backoff_max_seconds=0.05,
    max_failures=3,
    failure_window_seconds=600.0,
)
FLIPPY = {"fast": 2, "slow": 5}
PASSES = 1_000  # upper bound on supervisor passes a test waits for a state (never a time)


class Monotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def new_bot(
    factory: async_sessionmaker[AsyncSession], lab: Lab, *, start: bool = True
) -> int:
    async with factory() as session:
        bot = await create_bot(session, name="b", template="ma_cross", params=FLIPPY, lab=lab)
        if start:
            await start_bot(session, bot_id=bot.id, lab=lab)
        await session.commit()
        return bot.id


async def row(factory: async_sessionmaker[AsyncSession], bot_id: int) -> Bot:
    async with factory() as session:
        found = await session.get(Bot, bot_id)
        assert found is not None
        return found


async def until(
    supervisor: BotSupervisor,
    factory: async_sessionmaker[AsyncSession],
    bot_id: int,
    ok: Callable[[Bot], bool],
) -> Bot:
    """Run supervisor passes until the bot's row satisfies `ok`."""
    for _ in range(PASSES):
        await supervisor.sync()
        current = await row(factory, bot_id)
        if ok(current):
            return current
        await asyncio.sleep(0.01)
    raise AssertionError(f"bot {bot_id} never got there: {current.status} {current.last_error}")


async def topic_count(factory: async_sessionmaker[AsyncSession], topic: str) -> int:
    async with factory() as session:
        stmt = select(func.count()).select_from(Event).where(Event.topic == topic)
        return int(await session.scalar(stmt) or 0)


async def bot_trades(factory: async_sessionmaker[AsyncSession], bot_id: int) -> int:
    async with factory() as session:
        stmt = select(func.count()).select_from(Trade).where(Trade.bot_id == bot_id)
        return int(await session.scalar(stmt) or 0)


async def test_a_killed_bot_is_restarted_and_its_heartbeat_resumes(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    lab = market_lab()
    bot_id = await new_bot(session_factory, lab)
    clock = Monotonic()  # the supervisor's backoff moves only when the test moves it
    supervisor = BotSupervisor(session_factory, None, lab, FAST, monotonic=clock)
    try:
        alive = await until(
            supervisor, session_factory, bot_id,
            lambda b: b.status == "running" and b.heartbeat_at is not None,
        )  # fmt: skip
        assert await bot_trades(session_factory, bot_id) == 1  # it traded on the paper exchange
        supervisor.tasks[bot_id].cancel()  # killed from outside
        await asyncio.sleep(0)
        await supervisor.sync()
        dead = await row(session_factory, bot_id)
        assert dead.status == "restarting" and dead.restarts == 1
        assert dead.last_error is not None and "cancelled" in dead.last_error
        assert bot_id not in supervisor.tasks  # waiting out the backoff
        await supervisor.sync()
        assert bot_id not in supervisor.tasks
        clock.now += FAST.backoff_seconds
        back = await until(
            supervisor, session_factory, bot_id,
            lambda b: b.status == "running" and b.heartbeat_at > alive.heartbeat_at,  # type: ignore[operator]
        )  # fmt: skip
        assert not supervisor.tasks[bot_id].done() and back.restarts == 1
        assert await topic_count(session_factory, "bot.restarting") == 1
        assert await bot_trades(session_factory, bot_id) == 1  # the restart placed no 2nd order
    finally:
        await supervisor.stop()


async def test_a_hung_bot_is_cancelled_and_restarted(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    lab = market_lab()
    bot_id = await new_bot(session_factory, lab)
    hangs = asyncio.Event()

    async def hang(session: AsyncSession, **_: Any) -> StepResult:
        await hangs.wait()
        return StepResult(True)

    supervisor = BotSupervisor(
        session_factory, None, lab, replace(FAST, stale_seconds=0.05), step=hang
    )
    try:
        dead = await until(supervisor, session_factory, bot_id, lambda b: b.restarts >= 1)
        assert dead.last_error is not None and "heartbeat stale" in dead.last_error
    finally:
        hangs.set()
        await supervisor.stop()


async def test_a_bot_that_keeps_dying_is_marked_failed(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    lab = market_lab()
    bot_id = await new_bot(session_factory, lab)

    async def boom(session: AsyncSession, **_: Any) -> StepResult:
        raise RuntimeError("the feed exploded")

    supervisor = BotSupervisor(session_factory, None, lab, FAST, step=boom)
    try:
        failed = await until(supervisor, session_factory, bot_id, lambda b: b.status == "failed")
        assert failed.last_error == "RuntimeError: the feed exploded"
        assert failed.restarts == FAST.max_failures - 1
        assert await topic_count(session_factory, "bot.failed") == 1
        async with session_factory() as session:
            [note] = await session.scalars(
                select(Notification).where(Notification.type == "bot.failing")
            )
        assert (note.severity, note.entity_type, note.entity_id) == ("critical", "bot", str(bot_id))
        await supervisor.sync()
        assert bot_id not in supervisor.tasks  # a failed bot waits for POST .../start
    finally:
        await supervisor.stop()
    # started again by the operator, on a healthy step, it runs
    async with session_factory() as session:
        restarted = await start_bot(session, bot_id=bot_id, lab=lab)
        await session.commit()
    assert restarted.status == "starting"
    healthy = BotSupervisor(session_factory, None, lab, FAST)
    try:
        await until(healthy, session_factory, bot_id, lambda b: b.status == "running")
    finally:
        await healthy.stop()


async def test_pause_stops_orders_and_stop_ends_the_task(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    lab = market_lab()
    async with session_factory() as session:
        await stop_system(session, lab=lab)
        await session.commit()
    bot_id = await new_bot(session_factory, lab)
    supervisor = BotSupervisor(session_factory, None, lab, FAST)
    try:
        await until(supervisor, session_factory, bot_id, lambda b: b.status == "paused")
        for _ in range(5):
            await supervisor.sync()
            await asyncio.sleep(0.01)
        assert await bot_trades(session_factory, bot_id) == 0  # no order while paused
        async with session_factory() as session:
            await start_system(session, lab=lab)
            await session.commit()
        await until(supervisor, session_factory, bot_id, lambda b: b.status == "running")
        assert await bot_trades(session_factory, bot_id) == 1
        assert await topic_count(session_factory, "bot.resumed") == 1
        async with session_factory() as session:
            await stop_bot(session, bot_id=bot_id)
            await session.commit()
        await supervisor.sync()
        assert bot_id not in supervisor.tasks
        assert (await row(session_factory, bot_id)).status == "stopped"
    finally:
        await supervisor.stop()


async def test_running_bots_come_back_after_a_server_restart(settings: Any) -> None:
    fast = settings.model_copy(
        update={"scheduler": True, "bots": True, "bot_pass_seconds": 0.01,
                "bot_step_seconds": 0.01}
    )  # fmt: skip
    app = create_app(fast)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=TEST_KEY_HEADERS
        ) as client:
            made = await client.post(
                "/api/bot-factory/bots",
                json={"name": "b", "template": "ma_cross", "params": FLIPPY},
            )
            bot_id = made.json()["id"]
            assert (await client.post(f"/api/bot-factory/bots/{bot_id}/start")).status_code == 200
            first = await until(
                app.state.bot_supervisor, app.state.services.session_factory, bot_id,
                lambda b: b.status == "running" and b.heartbeat_at is not None,
            )  # fmt: skip
    # the process is gone: the row still says running, no task holds the bot
    again = create_app(fast)
    async with again.router.lifespan_context(again):
        factory = again.state.services.session_factory
        assert (await row(factory, bot_id)).desired_state == "running"
        back = await until(
            again.state.bot_supervisor, factory, bot_id,
            lambda b: b.status == "running" and b.heartbeat_at > first.heartbeat_at,  # type: ignore[operator]
        )  # fmt: skip
        assert not again.state.bot_supervisor.tasks[bot_id].done()
        assert back.restarts == 0  # a re-spawn at start-up is no restart after a death
