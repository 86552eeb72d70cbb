"""The skills_watch job raises a notification per declining skill and phase, at most daily."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.notifications import acknowledge_all_notifications
from resolvers.skill_watch import TYPE, watch_declining_skills
from server.jobs import JOBS, skills_watch
from storage.notifications import Notification
from tests.resolvers.factories import make_strategy
from tests.resolvers.test_skills import T0, closed_trades, trials


async def notified(session: AsyncSession) -> list[tuple[str | None, str]]:
    rows = await session.scalars(select(Notification).where(Notification.type == TYPE))
    return sorted((row.entity_id, row.severity) for row in rows)


async def test_a_declining_skill_is_notified_once_a_day(session: AsyncSession) -> None:
    strategy = await make_strategy(session)
    await trials(session, "ma_cross", [1.5, 2.5])
    now = T0 + timedelta(days=40)
    await closed_trades(session, strategy.id, ([-1.0, -2.0, 0.5, -1.5] * 5)[:19])
    assert await watch_declining_skills(session, now=now) == 0  # 19 trades: not yet the rule
    await closed_trades(session, strategy.id, [-1.0], start=19)
    assert await watch_declining_skills(session, now=now) == 2
    assert await notified(session) == [("ma_cross:paper", "warning"), ("sma:paper", "warning")]
    [row] = await session.scalars(
        select(Notification).where(Notification.entity_id == "ma_cross:paper")
    )
    assert row.source == "skills" and "under the median backtest Sharpe 2.00" in row.body
    # the same decline an hour later, acknowledged or not, raises nothing new
    assert await watch_declining_skills(session, now=now + timedelta(hours=1)) == 0
    await acknowledge_all_notifications(session)
    assert await watch_declining_skills(session, now=now + timedelta(hours=2)) == 0
    # a decline that lasts is one notification a day
    assert await watch_declining_skills(session, now=now + timedelta(days=1, hours=1)) == 2
    assert len(await notified(session)) == 4


def test_the_scheduler_runs_it() -> None:
    assert JOBS["skills_watch"].run is skills_watch
