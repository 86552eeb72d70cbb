"""Market ticks and regime changes for the live feed (owned by the live-feed work)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.lab.services import Lab


async def publish_market(session: AsyncSession, *, lab: Lab, now: datetime) -> int:
    """A tick per watched symbol and any confirmed regime change; returns events written."""
    raise NotImplementedError("publish_market is being built")
