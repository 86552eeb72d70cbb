"""The signing layer: the simulated signer, the session, allowlist and both caps."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.halyrd.config import parse_config
from resolvers.halyrd.proposal import ProposedOrder
from resolvers.halyrd.refusals import TwakBlock
from resolvers.halyrd.signing import SimulatedSigner, canonical, sign_order, signer_for
from storage.trading_agents import TradingAgent
from tests.resolvers.halyrd.h3_helpers import T0, add_order, hours, make_agent, postgres_session

HASH = re.compile(r"^0x[0-9a-f]{64}$")
NOW = T0 + hours(12)
CONFIG = parse_config({"signing": {"per_trade_cap": 5_000, "daily_cap": 20_000}})


def order(notional: float, symbol: str = "BTC-USD") -> ProposedOrder:
    return ProposedOrder(
        symbol=symbol,
        side="buy",
        size=notional / 2_000,
        mark_price=2_000,
        intent="entry",
        market_mode="spot",
        phase="live",
    )


async def blocked(session: AsyncSession, agent: TradingAgent, proposed: ProposedOrder) -> TwakBlock:
    with pytest.raises(TwakBlock) as caught:
        await sign_order(session, agent=agent, config=CONFIG, order=proposed, now=NOW)
    assert (caught.value.code, caught.value.status) == ("TWAK_BLOCK", 422)
    assert caught.value.details["layer"] == "signing"
    return caught.value


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """The test's session on SQLite, and again on PostgreSQL when one is configured."""
    if request.param == "sqlite":
        yield session
        return
    async with postgres_session(request.getfixturevalue("postgres_url")) as pg:
        yield pg


class TestSimulatedSigner:
    def test_deterministic_per_agent(self) -> None:
        one, again, other = SimulatedSigner("seed"), SimulatedSigner("seed"), SimulatedSigner("b")
        assert re.fullmatch(r"0x[0-9a-f]{40}", one.address)
        assert one.address == again.address != other.address
        assert one.sign(b"payload") == again.sign(b"payload")
        assert HASH.fullmatch(one.sign(b"payload"))
        assert one.sign(b"payload") != one.sign(b"payload2")
        assert one.sign(b"payload") != other.sign(b"payload")
        assert signer_for("seed").address == one.address

    def test_canonical_json_ignores_key_order(self) -> None:
        assert canonical({"b": 1, "a": [1, 2]}) == canonical({"a": [1, 2], "b": 1})
        assert canonical({"a": 1}) == b'{"a":1}'


class TestSignOrder:
    async def test_signs_the_canonical_order(self, session: AsyncSession) -> None:
        agent = await make_agent(session, status="LIVE")
        tx_hash = await sign_order(session, agent=agent, config=CONFIG, order=order(4_000), now=NOW)
        expected = SimulatedSigner(agent.id).sign(
            canonical(
                {
                    "agent": agent.id,
                    "symbol": "BTC-USD",
                    "side": "buy",
                    "size": 2.0,
                    "price": 2_000,
                    "ts": NOW.isoformat(),
                }
            )
        )
        assert tx_hash == expected

    async def test_a_given_signer_is_used(self, session: AsyncSession) -> None:
        agent = await make_agent(session, status="LIVE")
        other = SimulatedSigner("elsewhere")
        mine = await sign_order(session, agent=agent, config=CONFIG, order=order(10), now=NOW)
        theirs = await sign_order(
            session, agent=agent, config=CONFIG, order=order(10), now=NOW, signer=other
        )
        assert mine != theirs and HASH.fullmatch(theirs)

    @pytest.mark.parametrize(
        ("twak", "rule"), [("revoked", "session_revoked"), ("none", "no_session")]
    )
    async def test_needs_an_open_session(self, session: AsyncSession, twak: str, rule: str) -> None:
        agent = await make_agent(session, status="LIVE", twak_session=twak)
        assert (await blocked(session, agent, order(10))).rule == rule

    async def test_allowlist(self, session: AsyncSession) -> None:
        agent = await make_agent(session, status="LIVE")
        refused = await blocked(session, agent, order(10, symbol="DOGE-USD"))
        assert refused.rule == "allowlist"
        assert "DOGE-USD" in refused.message
        await sign_order(
            session, agent=agent, config=CONFIG, order=order(10, symbol="eth-usd"), now=NOW
        )

    async def test_per_trade_cap(self, session: AsyncSession) -> None:
        agent = await make_agent(session, status="LIVE")
        refused = await blocked(session, agent, order(5_000.02))
        assert refused.rule == "per_trade_cap"
        assert "5,000.02" in refused.message and "5,000.00" in refused.message
        await sign_order(session, agent=agent, config=CONFIG, order=order(5_000), now=NOW)

    async def test_daily_cap_counts_todays_filled_live_orders(self, db: AsyncSession) -> None:
        agent = await make_agent(db, status="LIVE")
        for ts in (T0, T0 + hours(11)):  # today: 16,000 signed
            await add_order(db, agent, ts=ts, notional=8_000, phase="live")
        # none of these count: yesterday, paper, refused, and tomorrow
        await add_order(db, agent, ts=T0 - hours(1), notional=9_000, phase="live")
        await add_order(db, agent, ts=NOW, notional=9_000, phase="paper")
        await add_order(db, agent, ts=NOW, notional=9_000, phase="live", status="blocked")
        await add_order(db, agent, ts=T0 + hours(24), notional=9_000, phase="live")
        refused = await blocked(db, agent, order(4_001))
        assert refused.rule == "daily_cap"
        assert refused.details["spent_today"] == pytest.approx(16_000)
        assert "16,000.00" in refused.message and "20,000.00" in refused.message
        await sign_order(db, agent=agent, config=CONFIG, order=order(4_000), now=NOW)

    async def test_another_agents_orders_do_not_count(self, session: AsyncSession) -> None:
        agent = await make_agent(session, status="LIVE")
        other = await make_agent(session, agent_id="other", status="LIVE")
        await add_order(session, other, ts=NOW, notional=19_000, phase="live")
        await sign_order(session, agent=agent, config=CONFIG, order=order(4_000), now=NOW)
