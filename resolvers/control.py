"""The control plane's state: the system pause and the pipeline and execution modes.

One row (id 1) holds it, created with its defaults on first read.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.control import SystemControl

CONTROL_ID = 1


async def load_control(session: AsyncSession) -> SystemControl:
    """The control row, created (not paused, semi_auto, paper) when missing."""
    row = await session.get(SystemControl, CONTROL_ID)
    if row is None:
        row = SystemControl(id=CONTROL_ID, paused=False, mode="semi_auto", execution_mode="paper")
        session.add(row)
        await session.flush()
    return row


async def is_paused(session: AsyncSession) -> bool:
    """Whether trading and agents are halted (POST /api/system/stop)."""
    row = await session.get(SystemControl, CONTROL_ID)
    return row is not None and row.paused
