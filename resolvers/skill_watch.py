"""The skills_watch job: a notification when a skill is declining in paper or live trading.

Each pass reads the declining rule's answer (resolvers/skills.py list_declining_skills, the
rule GET /api/skills/declining states) and raises a `skill.declining` notification (warning,
source skills, entity skill `<name>:<phase>`) for each skill and phase it flags, at most once
a day per skill and phase whatever its status: a decline that lasts is one notification a
day, and acknowledging one does not bring it back on the next pass.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.notifications import raise_notification
from resolvers.skills import list_declining_skills
from storage.base import utcnow
from storage.notifications import Notification

TYPE = "skill.declining"
QUIET = timedelta(days=1)  # at most one notification per skill and phase in this span


async def watch_declining_skills(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Raise a notification for each newly declining skill and phase; how many were raised."""
    when = now or utcnow()
    declining = await list_declining_skills(session)
    recent = set(
        await session.scalars(
            select(Notification.entity_id).where(
                Notification.type == TYPE, Notification.created_at > when - QUIET
            )
        )
    )
    raised = 0
    for decline in declining.skills:
        entity = f"{decline.name}:{decline.phase}"
        if entity in recent:
            continue
        await raise_notification(
            session,
            type=TYPE,
            source="skills",
            severity="warning",
            title=f"{decline.name} is declining in {decline.phase} trading",
            body=(
                f"Rolling Sharpe {decline.rolling_sharpe:.2f} over the last "
                f"{min(decline.trades, declining.rule.window)} of {decline.trades} closed "
                f"trades, {decline.shortfall:.2f} under the median backtest Sharpe "
                f"{decline.expectation:.2f} (margin {declining.rule.margin})."
            ),
            entity_type="skill",
            entity_id=entity,
            now=when,
        )
        raised += 1
    return raised
