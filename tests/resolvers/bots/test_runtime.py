"""One bot's step: toward its family's target on the paper exchange, once per closed bar, long
only when asked, a stop loss that keeps it flat, a symbol change, and the live gate."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.bots.bots import create_bot, start_bot, update_bot
from resolvers.bots.runtime import lock_name, step_bot
from resolvers.control import set_execution_mode
from resolvers.lab.services import Lab
from resolvers.quant.strategies import FAMILIES
from storage.bots import Bot
from storage.engine import create_engine, create_session_factory
from storage.events import Event
from storage.locks import try_transaction_lock
from storage.trades import Trade
from tests.resolvers.test_paper_service import START, market_lab

HOUR = timedelta(hours=1)
FLIPPY = {"fast": 2, "slow": 5}


async def running_bot(session: AsyncSession, lab: Lab, **fields: object) -> int:
    bot = await create_bot(session, name="b", template="ma_cross", params=FLIPPY, lab=lab, **fields)
    await start_bot(session, bot_id=bot.id, lab=lab)
    return bot.id


async def open_trades(session: AsyncSession, bot_id: int) -> list[Trade]:
    stmt = select(Trade).where(Trade.bot_id == bot_id, Trade.status == "open").order_by(Trade.id)
    return list((await session.execute(stmt)).scalars())


async def count(session: AsyncSession, topic: str) -> int:
    stmt = select(func.count()).select_from(Event).where(Event.topic == topic)
    return int(await session.scalar(stmt) or 0)


async def test_holds_the_family_target_once_per_bar(session: AsyncSession) -> None:
    lab = market_lab()
    bot_id = await running_bot(session, lab)
    now, seen, fills = START, set(), 0
    for _ in range(36):
        now += HOUR
        result = await step_bot(session, lab=lab, bot_id=bot_id, now=now)
        fills += result.fills
        candles = lab.feed.candles("BTC-USD", 3600, now, 300)
        target = int(FAMILIES["ma_cross"].signals(candles, FLIPPY)[-1])
        seen.add(target)
        held = await open_trades(session, bot_id)
        assert [1 if t.side == "buy" else -1 for t in held] == ([target] if target else [])
        venue = {p.trade_id: p for p in await lab.exchange.positions(session)}
        assert {t.id for t in held} == set(venue)
        # within the same bar nothing more happens
        again = await step_bot(session, lab=lab, bot_id=bot_id, now=now + timedelta(minutes=5))
        assert not again.stepped and again.fills == 0
    assert {1, -1} <= seen and fills > 2
    bot = await session.get(Bot, bot_id)
    assert bot is not None and bot.steps == 36 and bot.status == "running"
    assert await count(session, "bot.fill") == fills == await count(session, "live.fill")


async def test_long_only_never_sells_short(session: AsyncSession) -> None:
    lab = market_lab()
    bot_id = await running_bot(session, lab, risk={"allow_short": 0})
    now = START
    for _ in range(36):
        now += HOUR
        await step_bot(session, lab=lab, bot_id=bot_id, now=now)
    trades = list((await session.execute(select(Trade).where(Trade.bot_id == bot_id))).scalars())
    assert trades and {t.side for t in trades} == {"buy"}


async def test_a_stop_loss_closes_and_stays_flat_until_the_target_changes(
    session: AsyncSession,
) -> None:
    lab = market_lab()
    # a stop tighter than the spread: hit on the first look after the entry
    bot_id = await running_bot(session, lab, risk={"stop_loss_pct": 0.0001})
    now = START + HOUR
    await step_bot(session, lab=lab, bot_id=bot_id, now=now)
    [trade] = await open_trades(session, bot_id)
    side = 1 if trade.side == "buy" else -1
    stopped = await step_bot(session, lab=lab, bot_id=bot_id, now=now + timedelta(minutes=1))
    assert stopped.stepped and stopped.fills == 1
    assert await open_trades(session, bot_id) == []
    assert await count(session, "bot.stop_loss") == 1
    # following bars with the same target: still flat
    for _ in range(48):
        now += HOUR
        candles = lab.feed.candles("BTC-USD", 3600, now, 300)
        if int(FAMILIES["ma_cross"].signals(candles, FLIPPY)[-1]) != side:
            break
        await step_bot(session, lab=lab, bot_id=bot_id, now=now)
        assert await open_trades(session, bot_id) == []
    else:
        raise AssertionError("the target never changed in 48 hours")
    await step_bot(session, lab=lab, bot_id=bot_id, now=now)
    assert len(await open_trades(session, bot_id)) == 1  # the target moved: it trades again


async def test_a_new_symbol_closes_the_old_trade(session: AsyncSession) -> None:
    lab = market_lab()
    bot_id = await running_bot(session, lab)
    await step_bot(session, lab=lab, bot_id=bot_id, now=START + HOUR)
    [old] = await open_trades(session, bot_id)
    await update_bot(session, bot_id=bot_id, symbol="ETH-USD", lab=lab)
    await step_bot(session, lab=lab, bot_id=bot_id, now=START + 2 * HOUR)
    await session.refresh(old)
    assert old.status == "closed"
    assert [t.symbol for t in await open_trades(session, bot_id)] == ["ETH-USD"]


async def test_a_live_bot_trades_live_only_while_live_routing_is_on(
    session: AsyncSession,
) -> None:
    lab = market_lab(paper_locked=False)
    await set_execution_mode(session, mode="live", lab=lab)
    bot_id = await running_bot(session, lab, venue="live")
    await step_bot(session, lab=lab, bot_id=bot_id, now=START + HOUR)
    [trade] = await open_trades(session, bot_id)
    assert trade.phase == "live"
    await set_execution_mode(session, mode="paper", lab=lab)
    result = await step_bot(session, lab=lab, bot_id=bot_id, now=START + 2 * HOUR)
    assert result.status == "paused" and result.fills == 0
    assert await count(session, "bot.paused") == 1


async def test_postgres_steps_a_bot_on_one_instance_at_a_time(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    sessions = create_session_factory(engine)
    lab = market_lab()
    try:
        async with sessions() as session:
            bot_id = await running_bot(session, lab)
            await session.commit()
        async with sessions() as holder:
            assert await try_transaction_lock(holder, lock_name(bot_id))  # another instance
            async with sessions() as other:
                skipped = await step_bot(other, lab=lab, bot_id=bot_id, now=START + HOUR)
                await other.commit()
            assert not skipped.stepped
            await holder.rollback()
        async with sessions() as session:
            stepped = await step_bot(session, lab=lab, bot_id=bot_id, now=START + HOUR)
            await session.commit()
            assert stepped.stepped and stepped.fills == 1
            assert len(await open_trades(session, bot_id)) == 1
    finally:
        await engine.dispose()
