"""The policy layer: each rule's veto and edge, exits, objectives and their headroom."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import NotFound
from resolvers.halyrd.config import RiskLimits
from resolvers.halyrd.equity import record_snapshot
from resolvers.halyrd.proposal import AccountState, ProposedOrder
from resolvers.halyrd.refusals import RiskVeto
from resolvers.halyrd.risk import RATIO_CAP, check_order, list_objectives, objectives
from tests.resolvers.halyrd.h3_helpers import T0, add_order, add_trade, hours, make_agent

LIMITS = RiskLimits(max_drawdown=0.15, daily_loss=0.05, max_trade_pct=0.25, max_gross_exposure=1.0)


def account(
    equity: float = 10_000, peak: float = 10_000, opening: float = 10_000, gross: float = 0
) -> AccountState:
    return AccountState(equity=equity, peak=peak, day_start_equity=opening, gross_exposure=gross)


def order(notional: float, intent: str = "entry") -> ProposedOrder:
    return ProposedOrder(
        symbol="BTC-USD",
        side="buy",
        size=notional / 1_000,
        mark_price=1_000,
        intent=intent,
        market_mode="spot",
        phase="paper",
    )


def veto(state: AccountState, proposed: ProposedOrder) -> RiskVeto:
    with pytest.raises(RiskVeto) as caught:
        check_order(LIMITS, state, proposed)
    return caught.value


class TestCheckOrder:
    def test_a_small_order_in_a_healthy_book_passes(self) -> None:
        check_order(LIMITS, account(), order(1_000))

    def test_drawdown_at_the_limit_stops_new_exposure(self) -> None:
        refused = veto(account(equity=8_500, opening=8_500), order(100))
        assert (refused.code, refused.status, refused.rule) == ("RISK_VETO", 422, "max_drawdown")
        assert refused.details["layer"] == "policy"
        assert refused.details["current"] == pytest.approx(0.15)
        assert "15.00%" in refused.message
        check_order(LIMITS, account(equity=8_501, opening=8_501), order(100))

    def test_daily_loss_at_the_limit_stops_new_exposure(self) -> None:
        refused = veto(account(equity=9_500, peak=9_500, opening=10_000), order(100))
        assert refused.rule == "daily_loss"
        assert "5.00%" in refused.message
        check_order(LIMITS, account(equity=9_501, peak=9_501, opening=10_000), order(100))

    def test_an_order_over_the_trade_size_limit(self) -> None:
        refused = veto(account(), order(2_600))
        assert refused.rule == "max_trade_pct"
        assert refused.details["current"] == pytest.approx(0.26)
        assert "26.00%" in refused.message and "25.00%" in refused.message
        check_order(LIMITS, account(), order(2_500))  # exactly the limit passes

    def test_gross_exposure_counts_the_order(self) -> None:
        refused = veto(account(gross=8_000), order(2_100))
        assert refused.rule == "max_gross_exposure"
        assert refused.details["current"] == pytest.approx(1.01)
        check_order(LIMITS, account(gross=8_000), order(2_000))

    def test_no_equity_refuses_any_new_exposure(self) -> None:
        refused = veto(account(equity=0, peak=0, opening=0), order(1))
        assert refused.rule == "max_trade_pct"
        assert refused.details["current"] == RATIO_CAP

    def test_exits_pass_even_when_every_rule_is_broken(self) -> None:
        broken = account(equity=5_000, peak=10_000, opening=10_000, gross=50_000)
        check_order(LIMITS, broken, order(40_000, intent="exit"))
        assert veto(broken, order(40_000, intent="manual")).rule == "max_drawdown"


class TestObjectives:
    def test_headroom_arithmetic(self) -> None:
        state = account(equity=9_500, peak=10_000, opening=9_800, gross=4_750)
        by_rule = {o.rule: o for o in objectives(LIMITS, state, last_trade_pct=0.25)}
        drawdown = by_rule["max_drawdown"]
        assert drawdown.current == pytest.approx(0.05)
        assert drawdown.headroom_pct == pytest.approx((0.15 - 0.05) / 0.15 * 100)
        assert drawdown.holds
        daily = by_rule["daily_loss"]
        assert daily.current == pytest.approx(1 - 9_500 / 9_800)
        assert daily.headroom_pct == pytest.approx((0.05 - daily.current) / 0.05 * 100)
        size = by_rule["max_trade_pct"]
        assert (size.current, size.headroom_pct, size.holds) == (0.25, 0.0, True)
        gross = by_rule["max_gross_exposure"]
        assert gross.current == pytest.approx(0.5)
        assert gross.headroom_pct == pytest.approx(50.0)

    def test_a_breach_has_negative_headroom(self) -> None:
        state = account(equity=8_000, peak=10_000, opening=8_000)
        drawdown = objectives(LIMITS, state)[0]
        assert drawdown.rule == "max_drawdown"
        assert drawdown.headroom_pct == pytest.approx((0.15 - 0.2) / 0.15 * 100)
        assert not drawdown.holds

    def test_a_loss_exactly_at_its_limit_does_not_hold(self) -> None:
        state = account(equity=9_500, peak=9_500, opening=10_000)
        daily = objectives(LIMITS, state)[1]
        assert daily.headroom_pct == pytest.approx(0.0, abs=1e-9)
        assert not daily.holds


class TestListObjectives:
    async def test_current_values_from_records(self, session: AsyncSession) -> None:
        agent = await make_agent(session, config={"risk": {"max_trade_pct": 0.3}})
        await record_snapshot(session, agent_id=agent.id, ts=T0, equity=10_000, phase="paper")
        await add_trade(session, agent, "BTC-USD", "buy", 2, 1_000, at=T0 + hours(1))
        await add_order(session, agent, ts=T0 + hours(1), notional=2_000, price=1_000)
        # a later fill marks BTC at 900; the exit is not the latest sized order
        await add_order(
            session, agent, ts=T0 + hours(2), notional=900, price=900, side="sell", intent="exit"
        )
        by_rule = {
            o.rule: o for o in await list_objectives(session, agent_id="current", now=T0 + hours(3))
        }
        equity = 10_000 - 2 * 100
        assert by_rule["max_drawdown"].current == pytest.approx(1 - equity / 10_000)
        assert by_rule["max_trade_pct"].current == pytest.approx(2_000 / 10_000)
        assert by_rule["max_trade_pct"].limit == 0.3
        assert by_rule["max_gross_exposure"].current == pytest.approx(2 * 900 / equity)
        assert [o.rule for o in by_rule.values()] == [
            "max_drawdown",
            "daily_loss",
            "max_trade_pct",
            "max_gross_exposure",
        ]

    async def test_unknown_agent(self, session: AsyncSession) -> None:
        with pytest.raises(NotFound):
            await list_objectives(session, agent_id="nobody")
