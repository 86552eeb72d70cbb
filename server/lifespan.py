"""Start-up and shut-down: migrate, connect the bus, seed demo data, start the scheduler, the
job runner and the bot supervisor, then tear down in reverse."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from schema.context import Services
from server.bot_supervisor import BotSupervisor, supervisor_config
from server.demo import seed_demo
from server.halyrd_runner import market_feed
from server.jobs import JOBS, install_jobs
from server.lab import server_lab
from server.scheduler import Scheduler
from server.settings import Settings
from server.workers import JOB_HANDLERS, JobWorkers
from storage.bus import EventBus
from storage.engine import create_engine, create_session_factory, dispose_reads
from storage.migrate import upgrade

log = logging.getLogger("tradegraph")


def warn_about_keys(settings: Settings) -> None:
    """The seed's dev default is an open API; say so once, at start, never naming a key."""
    if settings.api_key is None:
        log.warning(
            "FORVEN_API_KEY is not set: the API runs unauthenticated (acceptable only on "
            "loopback; set FORVEN_AUTH_REQUIRED=true and both keys before exposing it)"
        )
    if settings.operator_key is None:
        log.warning(
            "FORVEN_OPERATOR_KEY is not set: operator-gated routes answer 503 "
            "OPERATOR_KEY_NOT_CONFIGURED"
        )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    warn_about_keys(settings)
    url = settings.resolved_database_url
    await upgrade(url)
    engine = create_engine(url)
    session_factory = create_session_factory(engine)
    bus = EventBus(settings.broadcast_url, session_factory)
    await bus.start()
    feed = market_feed(settings)
    lab = server_lab(settings, feed)
    app.state.services = Services(
        session_factory=session_factory, bus=bus, lab=lab, settings=settings
    )
    scheduler = app.state.scheduler = Scheduler(session_factory, bus.publish, lab, JOBS)
    workers = app.state.job_workers = JobWorkers.from_settings(
        session_factory, bus.publish, settings, JOB_HANDLERS, bus, lab
    )
    bots = app.state.bot_supervisor = BotSupervisor(
        session_factory, bus.publish, lab, supervisor_config(settings)
    )
    # what GET /api/health/status checks; a service the settings leave off reads disabled
    lab.running["event_bus"] = lambda: bus.connected
    if settings.scheduler:
        lab.running["scheduler"] = lambda: scheduler.running
    if settings.jobs:
        lab.running["job_workers"] = lambda: workers.running
    if settings.scheduler and settings.bots:
        lab.running["bots"] = lambda: bots.running
    try:
        # the rows exist without the scheduler too: GET /api/scheduler lists the catalog
        await install_jobs(session_factory, settings)
        if settings.demo:
            seeded = await seed_demo(
                session_factory,
                bus.publish,
                seed=settings.demo_seed,
                days=settings.demo_days,
                feed=feed,
                lab=lab,
            )
            if seeded:
                log.info(
                    "demo data seeded (seed=%s, %s days)", settings.demo_seed, settings.demo_days
                )
        if settings.scheduler:
            scheduler.start()
        if settings.jobs:
            await workers.start()  # its first sweep takes back what a dead process left
        if settings.scheduler and settings.bots:
            bots.start()  # its first pass re-spawns every bot marked running
        # Start-up objects (modules, schema, caches, demo rows) live as long as the process:
        # moved out of the collector's reach, a full collection no longer walks them, which
        # took ~85 ms off every third large answer (BENCHMARKS.md, Halyrd equity).
        gc.collect()
        gc.freeze()
        yield
    finally:
        await bots.stop()
        await workers.stop()
        await scheduler.stop()
        await bus.stop()
        await dispose_reads(session_factory)
        await engine.dispose()
