"""What the model is told for a deep-dive answer: a system message describing the strategy
from its rows (name, family, symbol and timeframe, stage and status, params, its trades'
totals and latest RECENT trades, its latest verdict), then the thread's earlier messages
(the last HISTORY of them; failed answers, which hold no text, left out), then the question."""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.models.providers import Message
from storage.deepdive import DeepdiveMessage
from storage.research.verdict import VerdictRun
from storage.strategies import Strategy
from storage.trades import Trade

RECENT = 5  # trades described
HISTORY = 40  # earlier messages sent along


async def prompt_for(
    session: AsyncSession, strategy: Strategy, history: Sequence[DeepdiveMessage], question: str
) -> list[Message]:
    """The chat messages for one answer."""
    earlier = [
        Message(role=m.role, content=m.content)
        for m in history
        if m.status != "failed" and m.content
    ][-HISTORY:]
    system: Message = {"role": "system", "content": await describe(session, strategy)}
    return [system, *earlier, {"role": "user", "content": question}]


async def describe(session: AsyncSession, strategy: Strategy) -> str:
    """The system message: the analyst's brief on one strategy, from its rows."""
    lines = [
        "You are the deep-dive analyst of a research lab. Answer the operator's questions "
        "about this one strategy from the facts below; say so when they do not tell.",
        f"Subject: strategy {strategy.id}.",
        f'Strategy {strategy.id} "{strategy.name}": {strategy.family} on {strategy.symbol} '
        f"{strategy.timeframe}, stage {strategy.stage}, status {strategy.status}.",
        f"Params: {orjson.dumps(strategy.params, option=orjson.OPT_SORT_KEYS).decode()}.",
        await _trades(session, strategy.id),
        await _verdict(session, strategy.id),
    ]
    return "\n".join(lines)


async def _trades(session: AsyncSession, strategy_id: int) -> str:
    total, closed, pnl = (
        await session.execute(
            select(
                func.count(), func.count(Trade.pnl), func.coalesce(func.sum(Trade.pnl), 0.0)
            ).where(Trade.strategy_id == strategy_id)
        )
    ).one()
    if not total:
        return "Trades: none yet."
    latest = await session.scalars(
        select(Trade)
        .where(Trade.strategy_id == strategy_id)
        .order_by(Trade.id.desc())
        .limit(RECENT)
    )
    recent = "; ".join(
        f"#{t.id} {t.side} {t.size:g} @ {t.entry_price:g} {t.status}"
        + (f" pnl {t.pnl:+.2f}" if t.pnl is not None else "")
        for t in latest
    )
    realized = float(pnl or 0.0)
    return f"Trades: {total} ({closed} closed, realized pnl {realized:+.2f}); latest: {recent}."


async def _verdict(session: AsyncSession, strategy_id: int) -> str:
    run = await session.scalar(
        select(VerdictRun)
        .where(VerdictRun.strategy_id == strategy_id)
        .order_by(VerdictRun.id.desc())
        .limit(1)
    )
    if run is None:
        return "Latest verdict: none yet."
    failed = [str(t.get("name")) for t in run.tests if not t.get("passed")]
    outcome = f"failed {', '.join(failed)}" if failed else "every test passed"
    return f"Latest verdict (run {run.id}): {run.verdict}, {outcome}."
