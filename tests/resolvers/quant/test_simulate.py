"""Trade simulation: next-open fills, slippage against the trader, fees, equity, drawdown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from resolvers.quant.market import Candles, generate_candles
from resolvers.quant.simulate import SimTrade, equity_curve, max_drawdown, simulate_trades
from resolvers.quant.strategies import FAMILIES

T0 = 1_700_000_000
OPEN = [100.0, 102.0, 104.0, 103.0, 101.0, 105.0]
CLOSE = [101.0, 103.0, 102.0, 100.0, 104.0, 106.0]


def six_bars() -> Candles:
    o, c = np.array(OPEN), np.array(CLOSE)
    return Candles(
        symbol="TEST",
        interval_seconds=60,
        ts=T0 + 60 * np.arange(6, dtype=np.int64),
        open=o,
        high=np.maximum(o, c) + 1,
        low=np.minimum(o, c) - 1,
        close=c,
        volume=np.ones(6),
    )


def at(index: int) -> datetime:
    return datetime.fromtimestamp(T0 + 60 * index, tz=UTC)


def run(positions: list[int], *, fee_rate: float = 0.001, slip: float = 10.0) -> list[SimTrade]:
    return simulate_trades(six_bars(), positions, size=2.0, fee_rate=fee_rate, slippage_bps=slip)


class TestSimulateTrades:
    def test_long_then_reverse_then_flat(self) -> None:
        # Targets set at closes 1, 3, 4 fill at opens 2, 4, 5; the last bar's target never fills.
        long, short = run([0, 1, 1, -1, 0, 1])
        assert long.side == "buy" and (long.entry_index, long.exit_index) == (2, 4)
        assert (long.entry_ts, long.exit_ts) == (at(2), at(4))
        assert long.entry_price == pytest.approx(104.104)  # 104 + 10 bps, buying
        assert long.exit_price == pytest.approx(100.899)  # 101 - 10 bps, selling
        assert long.entry_fee == pytest.approx(0.208208)
        assert long.fees == pytest.approx(0.208208 + 0.201798)
        assert long.pnl == pytest.approx(-6.41 - 0.410006)
        assert short.side == "sell" and (short.entry_index, short.exit_index) == (4, 5)
        assert short.entry_price == pytest.approx(100.899)
        assert short.exit_price == pytest.approx(105.105)
        assert short.fees == pytest.approx(0.201798 + 0.21021)
        assert short.pnl == pytest.approx(-8.412 - 0.412008)
        assert short.size == 2.0 and short.direction == -1 and not short.is_open

    def test_frictionless_pnl_is_price_difference(self) -> None:
        (trade,) = run([1, 1, 1, 0, 0, 0], fee_rate=0.0, slip=0.0)
        assert (trade.entry_price, trade.exit_price) == (102.0, 101.0)
        assert trade.fees == 0.0 and trade.pnl == pytest.approx(-2.0)

    def test_open_position_stays_open(self) -> None:
        (trade,) = run([0, -1, -1, -1, -1, -1])
        assert trade.is_open and trade.side == "sell" and trade.entry_index == 2
        assert trade.exit_index is None and trade.exit_ts is None and trade.exit_price is None
        assert trade.pnl is None
        assert trade.fees == trade.entry_fee == pytest.approx(103.896 * 2 * 0.001)

    def test_target_on_last_bar_not_filled(self) -> None:
        assert run([0, 0, 0, 0, 0, 1]) == []

    def test_flat_gives_no_trades(self) -> None:
        assert run([0] * 6) == []

    @pytest.mark.parametrize("positions", [[0] * 5, [0, 2, 0, 0, 0, 0], [0.5] * 6])
    def test_bad_positions(self, positions: list[float]) -> None:
        with pytest.raises(ValueError, match="positions"):
            simulate_trades(six_bars(), positions, size=1.0, fee_rate=0.0, slippage_bps=0.0)

    def test_nan_position_refused(self) -> None:
        with pytest.raises(ValueError, match="positions"):
            simulate_trades(six_bars(), [np.nan] * 6, size=1.0, fee_rate=0.0, slippage_bps=0.0)

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"size": 0.0, "fee_rate": 0.0, "slippage_bps": 0.0},
            {"size": 1.0, "fee_rate": -0.1, "slippage_bps": 0.0},
            {"size": 1.0, "fee_rate": 0.0, "slippage_bps": float("nan")},
        ],
    )
    def test_bad_costs(self, kwargs: dict[str, float]) -> None:
        with pytest.raises(ValueError):
            simulate_trades(six_bars(), [0] * 6, **kwargs)


class TestEquity:
    def test_marks_to_market_each_close(self) -> None:
        trades = run([0, 1, 1, -1, 0, 1])
        equity = equity_curve(trades, six_bars(), 1000.0)
        # Bar 2: long from 104.104 marked at 102 less the entry fee; bar 4: first loss
        # realized plus the new short from 100.899 marked at 104; bar 5: both realized.
        expected = [
            1000.0,
            1000.0,
            1000.0 + (102 - 104.104) * 2 - 0.208208,
            1000.0 + (100 - 104.104) * 2 - 0.208208,
            1000.0 - 6.820006 + (100.899 - 104) * 2 - 0.201798,
            1000.0 - 6.820006 - 8.824008,
        ]
        np.testing.assert_allclose(equity, expected, rtol=1e-12)

    def test_open_trade_marked_at_last_close(self) -> None:
        equity = equity_curve(run([0, -1, -1, -1, -1, -1]), six_bars(), 500.0)
        assert equity[-1] == pytest.approx(500.0 + (103.896 - 106) * 2 - 0.207792)

    def test_no_trades_is_flat(self) -> None:
        np.testing.assert_array_equal(equity_curve([], six_bars(), 10.0), np.full(6, 10.0))

    def test_trade_outside_candles_refused(self) -> None:
        (trade,) = run([1, 1, 0, 0, 0, 0])
        with pytest.raises(ValueError):
            equity_curve([trade], six_bars().window(0, 2), 10.0)


class TestMaxDrawdown:
    def test_by_hand(self) -> None:
        # Peak 120 falls to 90 (25%); the later 200 -> 160 is only 20%.
        assert max_drawdown([100, 120, 90, 110, 200, 160]) == pytest.approx(0.25)

    def test_rising_and_empty(self) -> None:
        assert max_drawdown([1, 2, 3]) == 0.0
        assert max_drawdown([]) == 0.0

    def test_from_equity_curve(self) -> None:
        equity = equity_curve(run([0, 1, 1, -1, 0, 1]), six_bars(), 1000.0)
        assert max_drawdown(equity) == pytest.approx(15.644014 / 1000)

    def test_non_positive_peak_refused(self) -> None:
        with pytest.raises(ValueError):
            max_drawdown([0.0, -1.0])


class TestOnSyntheticMarket:
    @pytest.mark.parametrize("name", sorted(FAMILIES))
    def test_family_round_trips(self, name: str) -> None:
        candles = generate_candles(
            symbol="ETH",
            seed=5,
            start=datetime(2024, 1, 1, tzinfo=UTC),
            periods=1000,
            interval=timedelta(hours=1),
        )
        positions = FAMILIES[name].signals(candles)
        trades = simulate_trades(candles, positions, size=1.0, fee_rate=0.0005, slippage_bps=2)
        assert len(trades) >= 5
        # Trades never overlap, and each fills the bar after the target changed.
        for before, after in zip(trades, trades[1:], strict=False):
            assert before.exit_index is not None and before.exit_index <= after.entry_index
        for trade in trades:
            assert positions[trade.entry_index - 1] == trade.direction
            assert trade.entry_index < 2 or positions[trade.entry_index - 2] != trade.direction
        closed = [t.pnl for t in trades if t.pnl is not None]
        equity = equity_curve(trades, candles, 10_000.0)
        last = trades[-1]
        unrealized = 0.0
        if last.is_open:
            unrealized = (
                last.direction * (candles.close[-1] - last.entry_price) * last.size - last.entry_fee
            )
        assert equity[-1] == pytest.approx(10_000.0 + sum(closed) + unrealized)
        assert 0.0 <= max_drawdown(equity) < 1.0
