"""The pipeline's own moves, as the autonomy mode allows (owned by the lifecycle work)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.lab.services import Lab


async def advance_pipeline(session: AsyncSession, *, lab: Lab, now: datetime) -> int:
    """Promote or queue for approval the strategies whose gates pass; returns how many moved."""
    raise NotImplementedError("advance_pipeline is being built")
