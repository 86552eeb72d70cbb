"""The control state: pause and resume, the autonomy mode's rule, the execution-mode lock, and
the pause's effect on manual Halyrd orders."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.control import (
    ExecutionModeLocked,
    SystemPaused,
    approval_needed,
    get_control,
    get_system_mode,
    is_paused,
    set_execution_mode,
    set_system_mode,
    start_system,
    stop_system,
)
from resolvers.errors import InvalidInput
from resolvers.halyrd.orders import place_order
from resolvers.lab.services import Lab, LabConfig, build_lab
from resolvers.market.feed import MarketFeed
from resolvers.trading_agents import ensure_seed_agent
from storage.events import Event

ORIGIN = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def lab(*, locked: bool = True) -> Lab:
    return build_lab(MarketFeed(7, ORIGIN), config=LabConfig(paper_locked=locked))


async def events(session: AsyncSession, topic: str) -> int:
    return int(await session.scalar(select(func.count()).where(Event.topic == topic)) or 0)


class TestApprovalNeeded:
    @pytest.mark.parametrize(
        ("mode", "automatic"),
        [
            ("manual", set()),
            ("semi_auto", {"research_only"}),
            ("auto", {"research_only", "paper"}),
        ],
    )
    def test_the_rule(self, mode: str, automatic: set[str]) -> None:
        for stage in ("research_only", "paper", "live"):
            assert approval_needed(mode, stage) is (stage not in automatic), (mode, stage)

    def test_live_always_needs_an_operator(self) -> None:
        assert all(approval_needed(mode, "live") for mode in ("manual", "semi_auto", "auto"))

    def test_unknown_values_are_refused(self) -> None:
        with pytest.raises(InvalidInput):
            approval_needed("yolo", "paper")
        with pytest.raises(InvalidInput):
            approval_needed("auto", "quick_screen")


class TestPause:
    async def test_defaults_running_semi_auto_paper(self, session: AsyncSession) -> None:
        state = await get_control(session, lab=lab())
        assert (state.paused, state.mode, state.execution_mode) == (False, "semi_auto", "paper")
        assert not await is_paused(session)

    async def test_stop_then_start(self, session: AsyncSession) -> None:
        stopped = await stop_system(session, reason="maintenance", lab=lab())
        assert stopped.paused and stopped.pause_reason == "maintenance"
        assert stopped.paused_at is not None
        assert await is_paused(session)
        started = await start_system(session, lab=lab())
        assert not started.paused and started.paused_at is None and started.pause_reason == ""
        assert not await is_paused(session)
        assert await events(session, "system.paused") == 1
        assert await events(session, "system.resumed") == 1

    async def test_stop_is_idempotent(self, session: AsyncSession) -> None:
        first = await stop_system(session, reason="first", lab=lab())
        again = await stop_system(session, reason="second", lab=lab())
        assert again == first
        assert await events(session, "system.paused") == 1
        await start_system(session, lab=lab())
        await start_system(session, lab=lab())
        assert await events(session, "system.resumed") == 1

    async def test_a_too_long_reason_changes_nothing(self, session: AsyncSession) -> None:
        with pytest.raises(InvalidInput):
            await stop_system(session, reason="x" * 501, lab=lab())
        assert not await is_paused(session)
        assert await events(session, "system.paused") == 0


class TestModes:
    async def test_mode_and_its_effect(self, session: AsyncSession) -> None:
        assert (await get_system_mode(session)).approval_required.paper is True
        view = await set_system_mode(session, mode="auto")
        assert view.mode == "auto"
        needs = view.approval_required
        assert (needs.research_only, needs.paper, needs.live) == (False, False, True)
        assert (await get_system_mode(session)).mode == "auto"
        await set_system_mode(session, mode="auto")
        assert await events(session, "system.mode_changed") == 1

    async def test_bad_mode(self, session: AsyncSession) -> None:
        with pytest.raises(InvalidInput):
            await set_system_mode(session, mode="yolo")
        assert (await get_system_mode(session)).mode == "semi_auto"

    async def test_live_is_refused_while_paper_locked(self, session: AsyncSession) -> None:
        with pytest.raises(ExecutionModeLocked) as refused:
            await set_execution_mode(session, mode="live", lab=lab(locked=True))
        assert (refused.value.status, refused.value.code) == (503, "EXECUTION_MODE_LOCKED")
        assert (await get_control(session, lab=lab(locked=False))).execution_mode == "paper"
        assert await events(session, "system.execution_mode_changed") == 0

    async def test_live_is_stored_when_unlocked_and_the_lock_wins(
        self, session: AsyncSession
    ) -> None:
        state = await set_execution_mode(session, mode="live", lab=lab(locked=False))
        assert (state.execution_mode, state.paper_locked) == ("live", False)
        assert await events(session, "system.execution_mode_changed") == 1
        # a later paper-locked build reports paper whatever was stored
        assert (await get_control(session, lab=lab(locked=True))).execution_mode == "paper"
        back = await set_execution_mode(session, mode="paper", lab=lab(locked=True))
        assert back.execution_mode == "paper"


class TestManualOrdersWhilePaused:
    async def test_new_exposure_is_refused_exits_pass(self, session: AsyncSession) -> None:
        await ensure_seed_agent(session)
        feed = MarketFeed(7, ORIGIN)
        order = {"agent_id": "seed", "symbol": "BTC-USD", "feed": feed, "now": NOW}
        opened = await place_order(session, side="buy", size=0.01, **order)
        assert opened.status == "filled"
        await stop_system(session, lab=lab())
        with pytest.raises(SystemPaused) as refused:
            await place_order(session, side="buy", size=0.01, **order)
        assert (refused.value.status, refused.value.code) == (409, "SYSTEM_PAUSED")
        exit_ = await place_order(session, side="sell", size=0.01, **order)
        assert (exit_.status, exit_.intent) == ("filled", "exit")
