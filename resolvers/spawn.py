"""Spawn limits: how many strategies one request, and one hypothesis per window, may create.

Two limits, both from the lab's config (TRADEGRAPH_SPAWN_* settings):
- per run: one request may create at most `spawn_per_run` strategies;
- per rolling window: a hypothesis may have at most `spawn_window_limit` strategies created in
  the last `spawn_window_hours`, counting every strategy it spawned in that span whatever its
  source, stage or status (archiving one does not hand its slot back).
Hitting either is a 422 SPAWN_LIMIT_REACHED that names the limit. The check reads only; the
caller creates nothing when it raises.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput
from resolvers.lab.services import LabConfig
from storage.strategies import Strategy

SPAWN_LIMIT_REACHED = "SPAWN_LIMIT_REACHED"


async def check_spawn_limit(
    session: AsyncSession, *, hypothesis_id: int, count: int, now: datetime, config: LabConfig
) -> None:
    """Refuse (422 SPAWN_LIMIT_REACHED) when spawning `count` more would pass either limit.

    `retry_after` (window limit) is the whole seconds until enough of the hypothesis's
    in-window strategies age out for `count` more to fit; it is null when `count` alone
    exceeds the window limit, since waiting cannot help.
    """
    if count > config.spawn_per_run:
        raise InvalidInput(
            f"one run may spawn at most {config.spawn_per_run} strategies; {count} requested",
            code=SPAWN_LIMIT_REACHED,
            details={"limit": "per_run", "requested": count, "max": config.spawn_per_run},
        )
    window = timedelta(hours=config.spawn_window_hours)
    stmt = (
        select(Strategy.created_at)
        .where(Strategy.hypothesis_id == hypothesis_id, Strategy.created_at > now - window)
        .order_by(Strategy.created_at)
    )
    stamps = list((await session.execute(stmt)).scalars())
    used = len(stamps)
    if used + count <= config.spawn_window_limit:
        return
    excess = used + count - config.spawn_window_limit
    retry_after: int | None = None
    if excess <= used:
        wait = (stamps[excess - 1] + window - now).total_seconds()
        retry_after = max(1, math.ceil(wait))
    raise InvalidInput(
        f"hypothesis {hypothesis_id} spawned {used} strategies in the last "
        f"{config.spawn_window_hours:g}h; the limit is {config.spawn_window_limit}",
        code=SPAWN_LIMIT_REACHED,
        details={
            "limit": "window",
            "window_hours": config.spawn_window_hours,
            "used": used,
            "requested": count,
            "max": config.spawn_window_limit,
            "retry_after": retry_after,
        },
    )
