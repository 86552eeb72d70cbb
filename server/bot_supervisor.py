"""The bot supervisor: one asyncio task per running bot, heartbeats, restarts with backoff.

Decisions a user would want to know:
- A pass (every TRADEGRAPH_BOT_PASS_SECONDS) reads the bots whose desired state is running
  (not deleted, not failed) and makes the tasks match: a task for each, none for any other
  (a stopped or deleted bot's task is cancelled). So start-up re-spawns every bot marked
  running: the first pass of a new supervisor over the same database finds them.
- A bot's task steps it (resolvers/bots/runtime.py) every TRADEGRAPH_BOT_STEP_SECONDS (the
  bots' first steps spread over one interval, so they do not all step at once), each
  step in its own transaction committed with commit_and_publish, and beats (in memory) around
  each step. Each pass writes `heartbeat_at` (wall time) of every bot whose task beat within
  TRADEGRAPH_BOT_STALE_SECONDS, in one statement.
- A task is dead when it ended (an exception; or cancelled by anything but the supervisor:
  a killed task) or its last beat is older than the stale limit (it hangs: the supervisor
  cancels it). A dead bot's status becomes restarting (`restarts` + 1, `last_error`, a
  bot.restarting event with the delay) and its task is spawned again after an exponential
  backoff: TRADEGRAPH_BOT_BACKOFF_SECONDS x 2^(deaths in the window - 1), at most
  TRADEGRAPH_BOT_BACKOFF_MAX_SECONDS. The TRADEGRAPH_BOT_MAX_FAILURES-th death within
  TRADEGRAPH_BOT_FAILURE_WINDOW_SECONDS marks it failed with its error (bot.failed); it then
  waits for POST .../start.
- Shutting down cancels the tasks and leaves the rows as they are (desired running), so the
  next start-up runs them again.
- The supervisor runs where the scheduler does (TRADEGRAPH_SCHEDULER and TRADEGRAPH_BOTS):
  an instance that only serves requests runs no bot. Several instances on PostgreSQL may each
  hold a task for a bot, but its step holds the per-bot advisory lock, so one instance steps
  it at a time and no order is placed twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.bots.bots import bot_event
from resolvers.bots.runtime import StepResult, step_bot
from resolvers.lab.services import Lab
from resolvers.notifications import raise_notification
from server.settings import Settings
from storage.base import utcnow
from storage.bots import Bot
from storage.outbox import Publisher, commit_and_publish

log = logging.getLogger("tradegraph.bots")

Step = Callable[..., Awaitable[StepResult]]
ERROR_MAX = 500
SPREAD = 0.6180339887


@dataclass(frozen=True, slots=True)
class SupervisorConfig:
    pass_seconds: float = 1.0
    step_seconds: float = 5.0
    stale_seconds: float = 60.0
    backoff_seconds: float = 1.0
    backoff_max_seconds: float = 60.0
    max_failures: int = 5
    failure_window_seconds: float = 600.0


def supervisor_config(settings: Settings) -> SupervisorConfig:
    return SupervisorConfig(
        pass_seconds=settings.bot_pass_seconds,
        step_seconds=settings.bot_step_seconds,
        stale_seconds=settings.bot_stale_seconds,
        backoff_seconds=settings.bot_backoff_seconds,
        backoff_max_seconds=settings.bot_backoff_max_seconds,
        max_failures=settings.bot_max_failures,
        failure_window_seconds=settings.bot_failure_window_seconds,
    )


class BotSupervisor:
    """Owns the bots' tasks; start() after the bus, stop() before it."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        publish: Publisher | None,
        lab: Lab,
        config: SupervisorConfig | None = None,
        *,
        step: Step = step_bot,
        wall: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessions, self.publish, self.lab = sessions, publish, lab
        self.config = config or SupervisorConfig()
        self.step, self.wall, self.monotonic = step, wall, monotonic
        self.tasks: dict[int, asyncio.Task[None]] = {}
        self.beats: dict[int, float] = {}
        self.deaths: dict[int, list[float]] = {}
        self.retry_at: dict[int, float] = {}
        self._loop: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Whether the supervising loop runs (resolvers/health.py reports it)."""
        return self._loop is not None and not self._loop.done()

    def start(self) -> None:
        if self._loop is None:
            self._loop = asyncio.create_task(self._run(), name="bot-supervisor")

    async def stop(self) -> None:
        """End the loop and every bot task; the rows stay as they are."""
        if self._loop is not None:
            self._loop.cancel()
            with suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None
        for bot_id in list(self.tasks):
            await self._end(bot_id)

    async def _run(self) -> None:
        while True:
            try:
                await self.sync()
            except Exception:
                log.exception("bot supervisor pass failed; retrying")
            await asyncio.sleep(self.config.pass_seconds)

    async def _end(self, bot_id: int) -> None:
        task = self.tasks.pop(bot_id)
        self.beats.pop(bot_id, None)
        task.cancel()
        with suppress(asyncio.CancelledError, Exception):
            await task

    async def _bot(self, bot_id: int) -> None:
        # bots spread over the step interval (golden-ratio offsets by id), so that a hundred
        # spawned in one pass do not all step, and compute their signals, in the same instant
        await asyncio.sleep((bot_id * SPREAD) % 1.0 * self.config.step_seconds)
        while True:
            self.beats[bot_id] = self.monotonic()
            async with self.sessions() as session:
                await self.step(session, lab=self.lab, bot_id=bot_id, now=self.lab.clock.now())
                await commit_and_publish(session, self.publish)
            self.beats[bot_id] = self.monotonic()
            await asyncio.sleep(self.config.step_seconds)

    def _spawn(self, bot_id: int) -> None:
        self.beats[bot_id] = self.monotonic()
        self.tasks[bot_id] = asyncio.create_task(self._bot(bot_id), name=f"bot-{bot_id}")

    async def sync(self) -> None:
        """One pass: reap dead tasks, end unwanted ones, spawn the due ones, record beats."""
        async with self.sessions() as session:
            stmt = select(Bot.id).where(
                Bot.deleted_at.is_(None), Bot.desired_state == "running", Bot.status != "failed"
            )
            wanted = set((await session.execute(stmt)).scalars())
        for bot_id in [i for i in self.tasks if i not in wanted]:
            await self._end(bot_id)
            self.deaths.pop(bot_id, None)
            self.retry_at.pop(bot_id, None)
        now = self.monotonic()
        for bot_id, task in list(self.tasks.items()):
            if task.done():
                self.tasks.pop(bot_id)
                await self._died(bot_id, _why(task))
            elif now - self.beats.get(bot_id, now) > self.config.stale_seconds:
                await self._end(bot_id)
                await self._died(
                    bot_id, f"heartbeat stale: no sign of life for {self.config.stale_seconds}s"
                )
        for bot_id in sorted(wanted - set(self.tasks)):
            if self.retry_at.get(bot_id, 0.0) <= self.monotonic():
                self.retry_at.pop(bot_id, None)
                self._spawn(bot_id)
        await self._record_beats()

    async def _record_beats(self) -> None:
        now = self.monotonic()
        alive = [
            bot_id
            for bot_id, task in self.tasks.items()
            if not task.done() and now - self.beats.get(bot_id, now) <= self.config.stale_seconds
        ]
        if not alive:
            return
        async with self.sessions() as session:
            await session.execute(
                update(Bot).where(Bot.id.in_(alive)).values(heartbeat_at=self.wall())
            )
            await session.commit()

    async def _died(self, bot_id: int, error: str) -> None:
        now = self.monotonic()
        window = self.config.failure_window_seconds
        deaths = [t for t in self.deaths.get(bot_id, []) if now - t < window] + [now]
        self.deaths[bot_id] = deaths
        log.warning("bot %s died (%s)", bot_id, error)
        async with self.sessions() as session:
            row = await session.get(Bot, bot_id)
            if row is None or row.deleted_at is not None or row.desired_state != "running":
                return
            row.last_error = error[:ERROR_MAX]
            if len(deaths) >= self.config.max_failures:
                row.status = "failed"
                self.deaths.pop(bot_id, None)
                await session.flush()
                await bot_event(session, "bot.failed", row, deaths=len(deaths))
                await raise_notification(
                    session,
                    type="bot.failing",
                    severity="critical",
                    source="bots",
                    title=f"Bot {row.id} ({row.name}) keeps dying; the supervisor gave up",
                    body=f"{len(deaths)} deaths within {window:g} s; last: {row.last_error}",
                    entity_type="bot",
                    entity_id=str(row.id),
                    once=True,
                )
            else:
                delay = min(
                    self.config.backoff_max_seconds,
                    self.config.backoff_seconds * 2 ** (len(deaths) - 1),
                )
                self.retry_at[bot_id] = now + delay
                row.status = "restarting"
                row.restarts += 1
                await session.flush()
                await bot_event(session, "bot.restarting", row, delay_seconds=delay)
            await commit_and_publish(session, self.publish)


def _why(task: asyncio.Task[None]) -> str:
    if task.cancelled():
        return "the bot's task was cancelled (killed)"
    exc = task.exception()
    return f"{type(exc).__name__}: {exc}" if exc is not None else "the bot's task ended"
