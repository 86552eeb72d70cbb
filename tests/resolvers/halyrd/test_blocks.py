"""Risk blocks: the refused orders of one agent, newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput, NotFound
from resolvers.halyrd.blocks import list_blocks
from storage.halyrd import AgentOrder, RiskBlock
from storage.trading_agents import TradingAgent

START = datetime(2026, 1, 5, tzinfo=UTC)
RULES = [
    ("policy", "max_drawdown", "RISK_VETO"),
    ("quote", "divergence", "QUOTE_DIVERGENCE"),
    ("signing", "daily_cap", "TWAK_BLOCK"),
]


async def refuse(session: AsyncSession, agent_id: str, n: int) -> RiskBlock:
    """One blocked order and its block, as the order pipeline records them."""
    layer, rule, code = RULES[n % len(RULES)]
    ts = START + timedelta(minutes=n)
    order = AgentOrder(
        trading_agent_id=agent_id, ts=ts, symbol="BTC", side="buy", size=0.1, price=100.0 + n,
        notional=10.0 + n / 10, phase="paper", intent="entry", status="blocked", code=code,
    )  # fmt: skip
    session.add(order)
    await session.flush()
    block = RiskBlock(
        trading_agent_id=agent_id, order_id=order.id, ts=ts, layer=layer, rule=rule, code=code,
        reason=f"refusal {n}",
    )  # fmt: skip
    session.add(block)
    await session.flush()
    return block


@pytest.fixture
async def blocked(session: AsyncSession) -> list[RiskBlock]:
    session.add_all(
        [TradingAgent(id="seed", name="Halyrd", is_running=True), TradingAgent(id="b", name="B")]
    )
    await session.flush()
    made = []
    for n in range(7):
        made.append(await refuse(session, "seed", n))
        await refuse(session, "b", n)
    await session.commit()
    return made


async def test_newest_first_with_every_field(
    session: AsyncSession, blocked: list[RiskBlock]
) -> None:
    rows = await list_blocks(session, agent_id="seed")
    assert [r.reason for r in rows] == [f"refusal {n}" for n in range(6, -1, -1)]
    newest = rows[0]
    assert (newest.ts, newest.layer, newest.rule, newest.code) == (
        START + timedelta(minutes=6), "policy", "max_drawdown", "RISK_VETO",
    )  # fmt: skip
    assert newest.order_ref == f"ord_{newest.order_id}"
    assert {r.trading_agent_id for r in rows} == {"seed"}


async def test_current_alias(session: AsyncSession, blocked: list[RiskBlock]) -> None:
    current = await list_blocks(session, agent_id="current")
    assert [r.id for r in current] == [b.id for b in reversed(blocked)]


async def test_limit(session: AsyncSession, blocked: list[RiskBlock]) -> None:
    rows = await list_blocks(session, agent_id="seed", limit=2)
    assert [r.reason for r in rows] == ["refusal 6", "refusal 5"]


async def test_default_limit_is_100(session: AsyncSession, blocked: list[RiskBlock]) -> None:
    for n in range(7, 105):
        await refuse(session, "seed", n)
    rows = await list_blocks(session, agent_id="seed")
    assert len(rows) == 100 and rows[0].reason == "refusal 104"
    assert len(await list_blocks(session, agent_id="seed", limit=500)) == 105


@pytest.mark.parametrize("limit", [0, -5, 501])
async def test_limit_out_of_bounds(
    session: AsyncSession, blocked: list[RiskBlock], limit: int
) -> None:
    with pytest.raises(InvalidInput) as raised:
        await list_blocks(session, agent_id="seed", limit=limit)
    assert raised.value.code == "VALIDATION_ERROR" and raised.value.details["field"] == "limit"


async def test_an_agent_without_blocks(session: AsyncSession) -> None:
    session.add(TradingAgent(id="quiet", name="Quiet"))
    await session.flush()
    assert await list_blocks(session, agent_id="quiet") == []


async def test_unknown_agent(session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await list_blocks(session, agent_id="nobody")
