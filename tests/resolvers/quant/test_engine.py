"""The backtest engine: next-open fills, slippage against the trader, fees, sizing, equity."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from resolvers.quant.engine import (
    Costs,
    Run,
    Trades,
    backtest,
    equity_curve,
    run,
    trade_records,
)
from resolvers.quant.market import Candles, generate_candles
from resolvers.quant.strategies import FAMILIES

T0 = 1_700_000_000
OPEN = [100.0, 102.0, 104.0, 103.0, 101.0, 105.0]
CLOSE = [101.0, 103.0, 102.0, 100.0, 104.0, 106.0]
COSTS = Costs(fee_rate=0.001, slippage_bps=10.0)


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


def fixed(positions: list[int], costs: Costs = COSTS, capital: float = 1000.0) -> Run:
    return run(six_bars(), positions, capital=capital, costs=costs, size=2.0)


def market(periods: int = 1000, symbol: str = "ETH", seed: int = 5) -> Candles:
    return generate_candles(
        symbol=symbol,
        seed=seed,
        start=datetime(2024, 1, 1, tzinfo=UTC),
        periods=periods,
        interval=timedelta(hours=1),
    )


class TestCosts:
    def test_defaults_and_scaled(self) -> None:
        assert Costs() == Costs(fee_rate=0.001, slippage_bps=5.0)
        assert Costs().scaled(3) == Costs(fee_rate=0.003, slippage_bps=15.0)

    @pytest.mark.parametrize("fee, slip", [(-0.1, 0.0), (0.0, float("nan")), (float("inf"), 1)])
    def test_bad_costs(self, fee: float, slip: float) -> None:
        with pytest.raises(ValueError, match="must be a finite"):
            Costs(fee, slip)


class TestFills:
    def test_long_then_reverse_then_flat(self) -> None:
        # Targets set at closes 1, 3, 4 fill at opens 2, 4, 5; the last bar's target never fills.
        result = fixed([0, 1, 1, -1, 0, 1])
        t = result.trades
        assert len(t) == 2 and t.closed.all()
        assert t.direction.tolist() == [1, -1]
        assert t.entry_index.tolist() == [2, 4] and t.exit_index.tolist() == [4, 5]
        np.testing.assert_allclose(t.entry_price, [104.104, 100.899])  # buy +10 bps, sell -10
        np.testing.assert_allclose(t.exit_price, [100.899, 105.105])
        np.testing.assert_allclose(t.entry_fee, [0.208208, 0.201798])
        np.testing.assert_allclose(t.fees, [0.208208 + 0.201798, 0.201798 + 0.21021])
        np.testing.assert_allclose(t.pnl, [-6.41 - 0.410006, -8.412 - 0.412008])
        assert t.size.tolist() == [2.0, 2.0]
        assert result.held.tolist() == [0, 0, 1, 1, -1, 0]
        assert result.positions.tolist() == [0, 1, 1, -1, 0, 1]

    def test_frictionless_pnl_is_price_difference(self) -> None:
        t = fixed([1, 1, 1, 0, 0, 0], costs=Costs(0.0, 0.0)).trades
        assert (t.entry_price.tolist(), t.exit_price.tolist()) == ([102.0], [101.0])
        assert t.fees.tolist() == [0.0] and t.pnl.tolist() == [-2.0]
        assert t.returns().tolist() == [-2.0 / 204.0]

    def test_open_position_stays_open(self) -> None:
        t = fixed([0, -1, -1, -1, -1, -1]).trades
        assert len(t) == 1 and not t.closed.any()
        assert (t.direction[0], t.entry_index[0], t.exit_index[0]) == (-1, 2, -1)
        assert np.isnan(t.exit_price[0]) and np.isnan(t.pnl[0])
        assert t.fees[0] == t.entry_fee[0] == pytest.approx(103.896 * 2 * 0.001)
        assert t.returns().tolist() == []

    def test_target_on_last_bar_not_filled(self) -> None:
        assert len(fixed([0, 0, 0, 0, 0, 1]).trades) == 0

    def test_flat_gives_no_trades_and_flat_equity(self) -> None:
        result = fixed([0] * 6, capital=10.0)
        assert len(result.trades) == 0
        np.testing.assert_array_equal(result.equity, np.full(6, 10.0))

    @pytest.mark.parametrize("positions", [[0] * 5, [0, 2, 0, 0, 0, 0], [0.5] * 6, [np.nan] * 6])
    def test_bad_positions(self, positions: list[float]) -> None:
        with pytest.raises(ValueError, match="positions"):
            fixed(positions)  # type: ignore[arg-type]

    def test_bool_and_float_targets_are_accepted(self) -> None:
        as_float = fixed([0.0, 1.0, 1.0, 0.0, 0.0, 0.0])  # type: ignore[list-item]
        as_bool = fixed([False, True, True, False, False, False])
        np.testing.assert_array_equal(as_float.equity, as_bool.equity)

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"capital": 0.0, "size": 1.0},
            {"capital": 10.0, "size": 0.0},
            {"capital": 10.0, "fraction": float("nan")},
            {"capital": 10.0, "fraction": -0.5},
        ],
    )
    def test_bad_numbers(self, kwargs: dict[str, float]) -> None:
        with pytest.raises(ValueError, match="must be a finite positive"):
            run(six_bars(), [0] * 6, **kwargs)  # type: ignore[arg-type]

    def test_no_bars_refused(self) -> None:
        with pytest.raises(ValueError, match="at least one bar"):
            run(six_bars().window(0, 0), [], capital=1.0)


class TestEquity:
    def test_marks_to_market_each_close(self) -> None:
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
        np.testing.assert_allclose(fixed([0, 1, 1, -1, 0, 1]).equity, expected, rtol=1e-12)

    def test_open_trade_marked_at_last_close(self) -> None:
        equity = fixed([0, -1, -1, -1, -1, -1], capital=500.0).equity
        assert equity[-1] == pytest.approx(500.0 + (103.896 - 106) * 2 - 0.207792)

    def test_bar_returns_against_the_previous_equity(self) -> None:
        result = fixed([0, 1, 1, -1, 0, 1])
        e = result.equity
        expected = [e[0] / 1000 - 1, *(e[1:] / e[:-1] - 1)]
        np.testing.assert_allclose(result.bar_returns(), expected, rtol=1e-12)

    def test_trade_outside_candles_refused(self) -> None:
        trades = fixed([1, 1, 0, 0, 0, 0]).trades
        with pytest.raises(ValueError, match="outside"):
            equity_curve(trades, np.array(CLOSE[:2]), 10.0)


class TestCompoundingSize:
    def test_by_hand_on_six_bars(self) -> None:
        # Half the equity at each entry: 500 at 104.104 first, then half of what is left.
        result = run(six_bars(), [0, 1, 1, -1, 0, 1], capital=1000.0, fraction=0.5, costs=COSTS)
        first = 500.0 / 104.104
        first_pnl = (100.899 - 104.104) * first - (104.104 + 100.899) * first * 0.001
        second = 0.5 * (1000.0 + first_pnl) / 100.899
        np.testing.assert_allclose(result.trades.size, [first, second], rtol=1e-12)
        assert result.trades.pnl[0] == pytest.approx(first_pnl, rel=1e-12)

    def test_matches_a_plain_loop_over_unit_trades(self) -> None:
        candles = market(800, "SOL-USD")
        positions = FAMILIES["macd_momentum"].signals(candles)
        costs = Costs(0.001, 5.0)
        unit = run(candles, positions, capital=1.0, costs=costs, size=1.0).trades
        sized = run(candles, positions, capital=1_000.0, fraction=0.2, costs=costs).trades
        assert len(unit) == len(sized) > 10
        equity = 1_000.0
        for k in range(len(unit)):
            size = 0.2 * equity / unit.entry_price[k]
            assert sized.size[k] == pytest.approx(size, rel=1e-9)
            assert sized.fees[k] == pytest.approx(unit.fees[k] * size, rel=1e-9)
            if unit.exit_index[k] >= 0:
                assert sized.pnl[k] == pytest.approx(unit.pnl[k] * size, rel=1e-9)
                equity += float(sized.pnl[k])

    def test_nothing_left_to_size_with(self) -> None:
        candles = market(400, "SOL-USD")
        with pytest.raises(ValueError, match="equity fell"):
            backtest(candles, "ma_cross", capital=100.0, fraction=5.0, costs=Costs(0.5, 0.0))


class TestSameAsTheOldSimulator:
    """Figures the replaced resolvers/quant/simulate.py gave for a fixed size of 1.5 on ETH seed
    5 (1,000 hourly bars, 5 bps fee, 2 bps slippage, 10,000 capital)."""

    @pytest.mark.parametrize(
        "family, count, first, entry, pnl, fees, final, low, still_open",
        [
            (
                "ma_cross",
                40,
                (30, 84),
                3238.4948765129516,
                318.9026350637936,
                231.63489114647192,
                12482.22577582682,
                9683.101677123137,
                True,
            ),
            (
                "bollinger_reversion",
                33,
                (20, 21),
                3248.9234295806677,
                85.05400659901224,
                195.41985545712427,
                7387.55847220971,
                7230.4261246524575,
                False,
            ),
        ],
    )
    def test_fixed_size_figures(
        self,
        family: str,
        count: int,
        first: tuple[int, int],
        entry: float,
        pnl: float,
        fees: float,
        final: float,
        low: float,
        still_open: bool,
    ) -> None:
        result = backtest(market(), family, capital=10_000.0, costs=Costs(0.0005, 2.0), size=1.5)
        t = result.trades
        assert len(t) == count
        assert (int(t.entry_index[0]), int(t.exit_index[0])) == first
        assert t.entry_price[0] == pytest.approx(entry, rel=1e-14)
        assert t.pnl[0] == pytest.approx(pnl, rel=1e-12)
        assert float(t.fees.sum()) == pytest.approx(fees, rel=1e-12)
        assert result.equity[-1] == pytest.approx(final, rel=1e-12)
        assert result.equity.min() == pytest.approx(low, rel=1e-12)
        assert (t.exit_index[-1] < 0) == still_open


class TestNoLookahead:
    @pytest.mark.parametrize("bar", [100, 333, 700])
    def test_later_data_cannot_move_earlier_fills(self, bar: int) -> None:
        candles = market(900)
        base = backtest(candles, "ma_cross", {"fast": 5, "slow": 20}, capital=1e4, size=1.0)
        # Bar `bar`'s close, high and low (its signal) and everything after it, scrambled.
        rng = np.random.default_rng(bar)
        noise = np.ones(len(candles))
        noise[bar:] = rng.uniform(0.8, 1.2, len(candles) - bar)
        opens = candles.open.copy()
        opens[bar + 1 :] *= noise[bar + 1 :]
        moved = replace(
            candles,
            open=opens,
            close=candles.close * noise,
            high=candles.high * noise * 1.3,
            low=candles.low * noise * 0.7,
        )
        other = backtest(moved, "ma_cross", {"fast": 5, "slow": 20}, capital=1e4, size=1.0)
        assert not np.array_equal(base.positions, other.positions)
        self.assert_same_fills_through(base.trades, other.trades, bar)
        np.testing.assert_array_equal(base.equity[:bar], other.equity[:bar])

    def test_a_target_changes_nothing_before_the_next_open(self) -> None:
        candles = market(300)
        positions = FAMILIES["ma_cross"].signals(candles)
        flipped = positions.copy()
        flipped[150] = -positions[150] if positions[150] else 1
        base = run(candles, positions, capital=1e4, size=1.0)
        other = run(candles, flipped, capital=1e4, size=1.0)
        self.assert_same_fills_through(base.trades, other.trades, 150)
        np.testing.assert_array_equal(base.equity[:151], other.equity[:151])
        assert not np.array_equal(base.equity, other.equity)

    @staticmethod
    def assert_same_fills_through(a: Trades, b: Trades, bar: int) -> None:
        def fills(t: Trades) -> list[tuple[int, int, float, float]]:
            early = t.entry_index <= bar
            exits = np.where((t.exit_index >= 0) & (t.exit_index <= bar), t.exit_index, -1)
            prices = np.where(exits >= 0, t.exit_price, 0.0)
            return list(
                zip(
                    t.entry_index[early].tolist(),
                    exits[early].tolist(),
                    t.entry_price[early].tolist(),
                    prices[early].tolist(),
                    strict=True,
                )
            )

        assert fills(a) == fills(b) and len(fills(a)) > 2


class TestBacktest:
    def test_long_only_clips_shorts(self) -> None:
        both = backtest(market(), "ma_cross", capital=1e4)
        long_only = backtest(market(), "ma_cross", capital=1e4, long_only=True)
        assert set(both.trades.direction.tolist()) == {-1, 1}
        assert set(long_only.trades.direction.tolist()) == {1}
        assert (long_only.positions >= 0).all()

    def test_unknown_params_refused(self) -> None:
        with pytest.raises(ValueError):
            backtest(market(100), "ma_cross", {"fast": 40, "slow": 20}, capital=1e4)

    @pytest.mark.parametrize("name", sorted(FAMILIES))
    def test_family_round_trips(self, name: str) -> None:
        candles = market()
        result = backtest(candles, name, capital=10_000.0, costs=Costs(0.0005, 2.0), size=1.0)
        t, positions = result.trades, result.positions
        assert len(t) >= 5
        # Trades never overlap, and each fills the bar after the target changed.
        assert (t.exit_index[:-1] >= 0).all()
        assert (t.exit_index[:-1] <= t.entry_index[1:]).all()
        assert (positions[t.entry_index - 1] == t.direction).all()
        earlier = t.entry_index >= 2
        assert (positions[t.entry_index[earlier] - 2] != t.direction[earlier]).all()
        closed = t.closed
        unrealized = 0.0
        if not closed[-1]:
            unrealized = float(
                t.direction[-1] * (candles.close[-1] - t.entry_price[-1]) * t.size[-1]
                - t.entry_fee[-1]
            )
        assert result.equity[-1] == pytest.approx(10_000.0 + t.pnl[closed].sum() + unrealized)


class TestTradeRecords:
    def test_iso_times_and_nulls_while_open(self) -> None:
        candles = six_bars()
        result = run(candles, [0, 1, -1, -1, -1, -1], capital=1e3, costs=COSTS, size=2.0)
        closed, still_open = trade_records(result.trades, candles)
        at = datetime.fromtimestamp(T0 + 120, tz=UTC).isoformat()
        assert closed["side"] == "buy" and closed["entry_time"] == at
        assert closed["exit_time"] == datetime.fromtimestamp(T0 + 180, tz=UTC).isoformat()
        assert closed["pnl"] == pytest.approx(float(result.trades.pnl[0]))
        assert still_open["side"] == "sell"
        assert still_open["exit_time"] is None and still_open["exit_price"] is None
        assert still_open["pnl"] is None
