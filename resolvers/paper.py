"""The global paper trading service (owned by the paper-trading work)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.lab.services import Lab


async def step_paper_service(session: AsyncSession, *, lab: Lab, now: datetime) -> int:
    """One tick of the running session (if any); returns how many fills it made."""
    raise NotImplementedError("step_paper_service is being built")
