"""A strategy's live chart series over the lab feed: signals, indicator lines and markers."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput, NotFound
from resolvers.lab.services import Lab
from resolvers.live_series import (
    list_strategy_live_indicators,
    list_strategy_live_markers,
    list_strategy_live_signals,
    warmup_bars,
)
from resolvers.market.feed import DEFAULT_ORIGIN, default_feed
from resolvers.quant.family_series import family_series
from resolvers.quant.strategies import FAMILIES
from resolvers.trades import close_trade, mark_trade_failed, open_trade
from storage.strategies import Strategy
from tests.resolvers.lifecycle_kit import NOW, WEAK, fixed_lab, make

HOUR = timedelta(hours=1)


async def _trade(
    session: AsyncSession, strategy: Strategy, side: str, opened: object, closed: object = None
) -> int:
    trade = await open_trade(
        session, symbol=strategy.symbol, side=side, size=1.0, entry_price=100.0,
        strategy_id=strategy.id, opened_at=opened,
    )  # fmt: skip
    if closed is not None:
        await close_trade(session, trade_id=trade.id, exit_price=101.0, closed_at=closed)
    return trade.id


class TestSignals:
    async def test_the_window_ends_at_the_last_closed_bar(self, session: AsyncSession) -> None:
        lab = fixed_lab()
        strategy = await make(session, WEAK, lab=lab)
        result = await list_strategy_live_signals(session, strategy_id=strategy.id, lab=lab)
        assert (result.strategy_id, result.symbol, result.timeframe) == (
            strategy.id,
            "BTC-USD",
            "1h",
        )
        assert len(result.points) == 200
        assert result.points[-1].ts == NOW - HOUR  # the bar that closed at NOW
        assert [p.ts for p in result.points] == [NOW - HOUR * (200 - i) for i in range(200)]
        candles = default_feed().candles("BTC-USD", 3600, NOW, 200)
        assert [p.close for p in result.points] == candles.close.tolist()

    async def test_positions_are_the_settled_ones(self, session: AsyncSession) -> None:
        lab = fixed_lab()
        strategy = await make(session, WEAK, lab=lab)
        result = await list_strategy_live_signals(
            session, strategy_id=strategy.id, bars=300, lab=lab
        )
        history = default_feed().candles("BTC-USD", 3600, NOW, 3000)
        settled = FAMILIES["ma_cross"].signals(history, strategy.params)[-300:]
        assert [p.position for p in result.points] == settled.tolist()
        assert {p.position for p in result.points} == {-1, 1}

    async def test_the_window_is_short_at_the_start_of_the_data(
        self, session: AsyncSession
    ) -> None:
        lab = fixed_lab(now=DEFAULT_ORIGIN + 5 * HOUR)
        strategy = await make(session, WEAK, lab=lab)
        result = await list_strategy_live_signals(session, strategy_id=strategy.id, lab=lab)
        assert [p.position for p in result.points] == [0] * 5

    @pytest.mark.parametrize("bars", [0, 2001, -3])
    async def test_bars_are_bounded(self, session: AsyncSession, bars: int, lab: Lab) -> None:
        strategy = await make(session, lab=lab)
        with pytest.raises(InvalidInput):
            await list_strategy_live_signals(session, strategy_id=strategy.id, bars=bars, lab=lab)

    async def test_unknown_strategy(self, session: AsyncSession, lab: Lab) -> None:
        with pytest.raises(NotFound):
            await list_strategy_live_signals(session, strategy_id=77, lab=lab)


class TestIndicators:
    async def test_lines_match_a_long_history(self, session: AsyncSession) -> None:
        lab = fixed_lab()
        strategy = await make(session, lab=lab)  # bollinger_reversion: middle, upper, lower
        result = await list_strategy_live_indicators(
            session, strategy_id=strategy.id, bars=50, lab=lab
        )
        history = default_feed().candles("BTC-USD", 3600, NOW, 2000)
        expected = family_series(strategy.family, history, strategy.params)
        assert [line.name for line in result.series] == list(expected)
        for line in result.series:
            assert [p.ts for p in line.points] == [NOW - HOUR * (50 - i) for i in range(50)]
            values = [p.value for p in line.points]
            assert values == pytest.approx(expected[line.name][-50:].tolist())
        assert warmup_bars(strategy) == 60  # 3 x period 20

    async def test_missing_values_are_null(self, session: AsyncSession) -> None:
        lab = fixed_lab(now=DEFAULT_ORIGIN + 25 * HOUR)
        strategy = await make(session, WEAK, lab=lab)  # slow SMA of 30 bars cannot exist yet
        result = await list_strategy_live_indicators(session, strategy_id=strategy.id, lab=lab)
        lines = {line.name: [p.value for p in line.points] for line in result.series}
        assert lines["slow_sma"] == [None] * 25
        assert lines["fast_sma"][:9] == [None] * 9
        assert all(isinstance(v, float) and math.isfinite(v) for v in lines["fast_sma"][9:])
        assert np.isfinite(lines["fast_sma"][-1])  # type: ignore[arg-type]


class TestMarkers:
    async def test_entries_and_exits_in_the_window_oldest_first(
        self, session: AsyncSession
    ) -> None:
        lab = fixed_lab()
        strategy, other = await make(session, lab=lab), await make(session, WEAK, lab=lab)
        old = await _trade(session, strategy, "buy", NOW - 500 * HOUR, NOW - 150 * HOUR)
        flip = NOW - 40 * HOUR
        long = await _trade(session, strategy, "buy", NOW - 90 * HOUR, flip)
        short = await _trade(session, strategy, "sell", flip)
        failed = await _trade(session, strategy, "sell", NOW - 60 * HOUR)
        await mark_trade_failed(session, trade_id=failed, reason="test", lab=lab)
        await _trade(session, other, "buy", NOW - 10 * HOUR)
        await _trade(session, strategy, "buy", NOW + HOUR)  # after the lab's now
        result = await list_strategy_live_markers(session, strategy_id=strategy.id, lab=lab)
        assert result.strategy_id == strategy.id
        assert [(m.ts, m.kind, m.side, m.price, m.trade_id) for m in result.markers] == [
            (NOW - 150 * HOUR, "exit", "buy", 101.0, old),
            (NOW - 90 * HOUR, "entry", "buy", 100.0, long),
            (NOW - 60 * HOUR, "entry", "sell", 100.0, failed),
            (flip, "exit", "buy", 101.0, long),  # the exit before the entry it reversed into
            (flip, "entry", "sell", 100.0, short),
        ]

    async def test_a_wider_window_reaches_older_trades(self, session: AsyncSession) -> None:
        lab = fixed_lab()
        strategy = await make(session, lab=lab)
        trade = await _trade(session, strategy, "buy", NOW - 500 * HOUR, NOW - 450 * HOUR)
        assert (
            await list_strategy_live_markers(session, strategy_id=strategy.id, lab=lab)
        ).markers == []
        wide = await list_strategy_live_markers(session, strategy_id=strategy.id, bars=600, lab=lab)
        assert [(m.kind, m.trade_id) for m in wide.markers] == [
            ("entry", trade),
            ("exit", trade),
        ]
