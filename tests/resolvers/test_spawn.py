"""Spawn limits: per run and per rolling window, and what a refusal reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput
from resolvers.lab.services import LabConfig
from resolvers.spawn import check_spawn_limit
from storage.events import Event
from storage.strategies import LifecycleTransition, Strategy
from tests.resolvers.factories import make_hypothesis
from tests.resolvers.lifecycle_kit import count, fixed_lab, make

T = datetime(2026, 11, 1, 12, tzinfo=UTC)
CONFIG = LabConfig(spawn_per_run=3, spawn_window_limit=3, spawn_window_hours=24.0)


async def _spawned(session: AsyncSession, hypothesis_id: int, *hours_ago: float) -> None:
    """Strategies of the hypothesis created `hours_ago` before T."""
    for hours in hours_ago:
        row = await make(session, hypothesis_id=hypothesis_id)
        row.created_at = T - timedelta(hours=hours)
    await session.flush()


async def _refusal(session: AsyncSession, hypothesis_id: int, n: int) -> dict[str, object]:
    with pytest.raises(InvalidInput) as caught:
        await check_spawn_limit(session, hypothesis_id=hypothesis_id, count=n, now=T, config=CONFIG)
    assert (caught.value.code, caught.value.status) == ("SPAWN_LIMIT_REACHED", 422)
    return caught.value.details


class TestCheckSpawnLimit:
    async def test_one_run_may_not_exceed_the_per_run_limit(self, session: AsyncSession) -> None:
        parent = await make_hypothesis(session)
        await check_spawn_limit(session, hypothesis_id=parent.id, count=3, now=T, config=CONFIG)
        details = await _refusal(session, parent.id, 4)
        assert details == {"limit": "per_run", "requested": 4, "max": 3}

    async def test_the_window_counts_this_hypothesis_recent_strategies(
        self, session: AsyncSession
    ) -> None:
        parent, other = await make_hypothesis(session), await make_hypothesis(session, "Other")
        await _spawned(session, parent.id, 30, 20, 10)  # 30 h ago is outside the window
        await _spawned(session, other.id, 1, 1, 1)  # another hypothesis's budget
        await check_spawn_limit(session, hypothesis_id=parent.id, count=1, now=T, config=CONFIG)
        details = await _refusal(session, parent.id, 2)
        assert details == {
            "limit": "window",
            "window_hours": 24.0,
            "used": 2,
            "requested": 2,
            "max": 3,
            # one must age out: the oldest in the window (20 h ago) leaves in 4 h
            "retry_after": 4 * 3600,
        }

    async def test_retry_after_waits_for_as_many_as_needed(self, session: AsyncSession) -> None:
        parent = await make_hypothesis(session)
        await _spawned(session, parent.id, 20, 10, 1)
        assert (await _refusal(session, parent.id, 1))["retry_after"] == 4 * 3600
        assert (await _refusal(session, parent.id, 2))["retry_after"] == 14 * 3600
        assert (await _refusal(session, parent.id, 3))["retry_after"] == 23 * 3600

    async def test_retry_after_is_null_when_waiting_cannot_help(
        self, session: AsyncSession
    ) -> None:
        parent = await make_hypothesis(session)
        config = LabConfig(spawn_per_run=10, spawn_window_limit=3)
        with pytest.raises(InvalidInput) as caught:
            await check_spawn_limit(session, hypothesis_id=parent.id, count=4, now=T, config=config)
        assert caught.value.details["retry_after"] is None


class TestCreateStrategyLimits:
    async def test_a_refused_create_writes_nothing(self, session: AsyncSession) -> None:
        lab = fixed_lab(spawn_window_limit=2)
        parent = await make_hypothesis(session)
        await make(session, hypothesis_id=parent.id, lab=lab)
        await make(session, hypothesis_id=parent.id, lab=lab)
        before = [await count(session, m) for m in (Strategy, LifecycleTransition, Event)]
        with pytest.raises(InvalidInput) as caught:
            await make(session, hypothesis_id=parent.id, lab=lab)
        assert caught.value.code == "SPAWN_LIMIT_REACHED"
        assert caught.value.details["used"] == 2
        after = [await count(session, m) for m in (Strategy, LifecycleTransition, Event)]
        assert after == before
        await make(session, lab=lab)  # a fresh hypothesis has its own window
