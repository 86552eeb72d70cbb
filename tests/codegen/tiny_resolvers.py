"""The resolvers the tiny test catalog (test_emitters) names: signatures only."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


async def list_agents(
    session: AsyncSession,
    *,
    status: str | None = None,
    phase: str = "all",
    limit: int = 50,
    cursor: str | None = None,
) -> Any:
    """Agents, newest first."""
    raise NotImplementedError


async def create_strategy(
    session: AsyncSession,
    *,
    name: str,
    stage: str = "quick_screen",
    params: Any = None,
    window: Any = None,
) -> Any:
    """Create a strategy."""
    raise NotImplementedError
