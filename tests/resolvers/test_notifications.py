"""Notifications: the page read and its filters, acknowledging one (idempotent) and all, and a
notification raised by each real event: a job failed for good, a failed gauntlet step, a
demoted trading agent, a failed force-close (one unread per trade)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput, NotFound
from resolvers.halyrd.lifecycle import demote_agent, kill_agent
from resolvers.halyrd.status import set_status
from resolvers.jobs import claim_job, enqueue_job, fail_job
from resolvers.lab.services import Lab
from resolvers.notifications import (
    acknowledge_all_notifications,
    acknowledge_notification,
    list_notifications,
    notifications_page,
    raise_notification,
)
from resolvers.research.gauntlet import create_gauntlet_workflow
from resolvers.research.gauntlet_steps import begin_step, finish_step
from resolvers.trades import VenueCloseFailed, force_close_trade
from resolvers.trading_agents import ensure_seed_agent
from storage.events import Event
from storage.trading_agents import TradingAgent
from tests.resolvers.factories import make_strategy
from tests.resolvers.test_trades_controls import NOW, held_trade

T0 = datetime(2026, 12, 1, 12, tzinfo=UTC)


async def topic_count(session: AsyncSession, topic: str) -> int:
    stmt = select(func.count()).select_from(Event).where(Event.topic == topic)
    return int(await session.scalar(stmt) or 0)


async def three(session: AsyncSession) -> list[int]:
    made = [
        await raise_notification(session, type="a.x", source="s1", title="one"),
        await raise_notification(
            session, type="b.y", source="s2", title="two", severity="critical"
        ),  # fmt: skip
        await raise_notification(
            session, type="a.x", source="s1", title="three", severity="warning"
        ),  # fmt: skip
    ]
    return [n.id for n in made]


class TestRead:
    async def test_paged_oldest_first_with_filters(self, session: AsyncSession) -> None:
        ids = await three(session)
        page = await notifications_page(session, first=2)
        assert [n.id for n in page.items] == ids[:2] and page.has_next_page
        assert page.total_count == 3
        rest = await notifications_page(session, first=2, after=page.end_cursor)
        assert [n.id for n in rest.items] == ids[2:] and not rest.has_next_page
        assert [n.id for n in (await notifications_page(session, type="a.x")).items] == [
            ids[0], ids[2],
        ]  # fmt: skip
        assert [n.id for n in (await notifications_page(session, source="s2")).items] == [ids[1]]
        critical = await notifications_page(session, severity="critical")
        assert [n.id for n in critical.items] == [ids[1]]
        assert (await notifications_page(session, status="acknowledged")).items == []

    @pytest.mark.parametrize(("field", "value"), [("status", "read"), ("severity", "loud")])
    async def test_bad_filters_are_refused(
        self, session: AsyncSession, field: str, value: str
    ) -> None:
        with pytest.raises(InvalidInput):
            await notifications_page(session, **{field: value})  # type: ignore[arg-type]


class TestAcknowledge:
    async def test_one_is_idempotent_with_one_event(self, session: AsyncSession) -> None:
        ids = await three(session)
        first = await acknowledge_notification(session, notification_id=ids[0], now=T0)
        assert (first.status, first.acknowledged_at) == ("acknowledged", T0)
        again = await acknowledge_notification(session, notification_id=ids[0])
        assert again == first
        assert await topic_count(session, "notification.acknowledged") == 1
        unread = await notifications_page(session, status="unread")
        assert [n.id for n in unread.items] == ids[1:]

    async def test_unknown_is_404(self, session: AsyncSession) -> None:
        with pytest.raises(NotFound):
            await acknowledge_notification(session, notification_id=999)

    async def test_all_answers_how_many_then_zero(self, session: AsyncSession) -> None:
        ids = await three(session)
        await acknowledge_notification(session, notification_id=ids[1])
        assert (await acknowledge_all_notifications(session)).acknowledged == 2
        assert (await acknowledge_all_notifications(session)).acknowledged == 0
        assert await topic_count(session, "notification.acknowledged") == 3
        assert (await notifications_page(session, status="unread")).items == []

    async def test_once_raises_one_unread_per_entity_and_type(self, session: AsyncSession) -> None:
        keys: dict[str, Any] = {"type": "t", "source": "s", "entity_type": "x", "entity_id": "1"}
        first = await raise_notification(session, title="first", once=True, **keys)
        assert (await raise_notification(session, title="again", once=True, **keys)) == first
        await acknowledge_notification(session, notification_id=first.id)
        later = await raise_notification(session, title="later", once=True, **keys)
        assert later.id != first.id
        assert await topic_count(session, "notification.created") == 2


class TestRaisedBy:
    async def test_a_job_that_fails_for_good(self, session: AsyncSession) -> None:
        job = await enqueue_job(session, kind="k", payload={}, max_attempts=2, now=T0)
        await claim_job(session, kinds=["k"], owner="a", lease_seconds=30, now=T0)
        await fail_job(session, job_id=job.id, owner="a", error="retried", now=T0)
        assert await list_notifications(session) == []  # re-queued: not failed for good
        later = T0 + timedelta(minutes=10)
        await claim_job(session, kinds=["k"], owner="a", lease_seconds=30, now=later)
        await fail_job(session, job_id=job.id, owner="a", error="boom", now=later)
        [failed] = await list_notifications(session, type="job.failed")
        assert (failed.source, failed.severity) == ("jobs", "warning")
        assert (failed.entity_id, failed.body) == (str(job.id), "boom")

    async def test_a_gauntlet_step_in_error(self, session: AsyncSession, lab: Lab) -> None:
        strategy = await make_strategy(session, lab=lab)
        created = await create_gauntlet_workflow(session, strategy_id=strategy.id, lab=lab)
        step = created.steps[0]
        assert step.job_id is not None
        await begin_step(session, step_id=step.id, job_id=step.job_id, lab=lab)
        await finish_step(session, step_id=step.id, job_id=step.job_id, outcome=None, error="x")
        [failed] = await list_notifications(session, type="gauntlet.step_failed")
        assert (failed.entity_type, failed.entity_id, failed.body) == (
            "gauntlet_step", str(step.id), "x",
        )  # fmt: skip

    async def test_a_demoted_trading_agent(self, session: AsyncSession) -> None:
        agent = await ensure_seed_agent(session)
        assert await list_notifications(session, type="agent.demoted") == []
        row = await session.get(TradingAgent, agent.id)
        assert row is not None
        await set_status(session, agent=row, status="LIVE", phase="live", reason="t", now=T0)
        await kill_agent(session, agent_id=agent.id, confirm=True, now=T0)
        [demoted] = await list_notifications(session, type="agent.demoted")
        assert "LIVE -> DEMOTED" in demoted.title and demoted.body == "kill switch"
        await demote_agent(session, agent_id=agent.id, now=T0)  # DEMOTED -> PAPER: re-approval
        assert len(await list_notifications(session, type="agent.demoted")) == 1

    async def test_a_failed_force_close_once_per_trade(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        trade = await held_trade(session, lab, await make_strategy(session, lab=lab))
        lab.exchange.faults.fail_closes()
        for _ in range(2):
            with pytest.raises(VenueCloseFailed):
                await force_close_trade(session, trade_id=trade.id, lab=lab, now=NOW)
        [failed] = await list_notifications(session, type="trade.force_close_failed")
        assert (failed.severity, failed.entity_id) == ("critical", str(trade.id))
        assert "EXCHANGE_CLOSE_FAILED" in failed.body
