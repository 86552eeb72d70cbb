"""The strategy library: parameter validation, hand-checked signals, and no look-ahead."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
import pytest

from resolvers.quant import indicators as ind
from resolvers.quant.market import Candles, generate_candles
from resolvers.quant.strategies import FAMILIES, validate_params

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Bars:
    high: FloatArray
    low: FloatArray
    close: FloatArray


def bars(close: Sequence[float], wick: float = 0.5) -> Bars:
    c = np.asarray(close, dtype=np.float64)
    return Bars(c + wick, c - wick, c)


def compute(name: str, prices: Bars, **params: float) -> list[int]:
    """Signals with some parameters below their bounds, to keep hand-computed series tiny."""
    family = FAMILIES[name]
    positions = family.compute(prices, {**family.defaults(), **params})
    return [int(p) for p in positions]


def market(symbol: str = "BTC", periods: int = 1500) -> Candles:
    return generate_candles(
        symbol=symbol,
        seed=11,
        start=datetime(2024, 1, 1, tzinfo=UTC),
        periods=periods,
        interval=timedelta(hours=1),
    )


class TestRegistry:
    def test_six_families(self) -> None:
        assert set(FAMILIES) == {
            "ma_cross",
            "rsi_reversion",
            "donchian_breakout",
            "bollinger_reversion",
            "macd_momentum",
            "squeeze_breakout",
        }

    @pytest.mark.parametrize("name", sorted(FAMILIES))
    def test_specs_are_coherent(self, name: str) -> None:
        family = FAMILIES[name]
        assert family.name == name and family.title and family.description
        for spec in family.params:
            assert spec.low <= spec.default <= spec.high
            assert isinstance(spec.default, int if spec.kind == "int" else float)
        assert validate_params(name, {}) == family.defaults()


class TestValidateParams:
    def test_fills_defaults_in_spec_order(self) -> None:
        assert validate_params("ma_cross", {"slow": 50}) == {"fast": 10, "slow": 50, "band": 0.0}
        assert list(validate_params("ma_cross", {"band": 0.01})) == ["fast", "slow", "band"]

    def test_int_given_for_float_becomes_float(self) -> None:
        checked = validate_params("bollinger_reversion", {"width": 3})
        assert checked["width"] == 3.0 and type(checked["width"]) is float

    def test_numpy_numbers_become_plain(self) -> None:
        checked = validate_params("ma_cross", {"fast": np.int64(5), "band": np.float32(0.01)})
        assert type(checked["fast"]) is int and type(checked["band"]) is float

    def test_accepts_family_record(self) -> None:
        assert validate_params(FAMILIES["macd_momentum"], {"signal": 5})["signal"] == 5

    def test_unknown_family(self) -> None:
        with pytest.raises(ValueError, match="'nope'"):
            validate_params("nope", {})

    def test_unknown_parameter_named(self) -> None:
        with pytest.raises(ValueError, match="'speed'"):
            validate_params("ma_cross", {"speed": 3})

    @pytest.mark.parametrize(
        ("name", "value"), [("fast", 1), ("fast", 201), ("band", 0.5), ("band", -0.01)]
    )
    def test_out_of_bounds_named(self, name: str, value: float) -> None:
        with pytest.raises(ValueError, match=f"'{name}' must be between"):
            validate_params("ma_cross", {name: value})

    @pytest.mark.parametrize("value", [10.0, 10.5, "10", True, None])
    def test_wrong_type_for_int(self, value: object) -> None:
        with pytest.raises(ValueError, match="'fast'"):
            validate_params("ma_cross", {"fast": value})

    @pytest.mark.parametrize("value", [float("nan"), float("inf"), "2", False])
    def test_wrong_float(self, value: object) -> None:
        with pytest.raises(ValueError, match="'width'"):
            validate_params("bollinger_reversion", {"width": value})

    def test_fast_must_be_below_slow(self) -> None:
        with pytest.raises(ValueError, match="'fast'"):
            validate_params("ma_cross", {"fast": 30, "slow": 30})
        with pytest.raises(ValueError, match="'fast'"):
            validate_params("macd_momentum", {"fast": 40})

    def test_rsi_exit_between_levels(self) -> None:
        with pytest.raises(ValueError, match="'exit'"):
            validate_params("rsi_reversion", {"lower": 45.0, "exit": 40.0})

    def test_signals_validate_too(self) -> None:
        with pytest.raises(ValueError, match="'fast'"):
            FAMILIES["ma_cross"].signals(bars([1.0] * 5), {"fast": 0})


class TestHandComputed:
    def test_ma_cross(self) -> None:
        close = [1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3]
        pos = FAMILIES["ma_cross"].signals(bars(close), {"fast": 2, "slow": 3})
        assert pos.tolist() == [0, 0, 1, 1, 1, 1, -1, -1, -1, -1, 1]

    def test_ma_cross_band_delays_entry(self) -> None:
        # Bar 3: fast 3.025 vs slow 3.0167 (1% band 3.047); bar 4: 3.125 vs 3.0833 (3.114).
        close = [3, 3, 3, 3.05, 3.2]
        family = FAMILIES["ma_cross"]
        assert family.signals(bars(close), {"fast": 2, "slow": 3}).tolist() == [0, 0, 0, 1, 1]
        banded = family.signals(bars(close), {"fast": 2, "slow": 3, "band": 0.01})
        assert banded.tolist() == [0, 0, 0, 0, 1]

    def test_rsi_reversion(self) -> None:
        # RSI(2): 0, 50, 75, 87.5, 93.75, 46.9, 23.4 from index 2 on.
        close = [10, 9, 8, 9, 10, 11, 12, 11, 10]
        params = {"period": 2, "lower": 30.0, "upper": 70.0, "exit": 50.0}
        pos = FAMILIES["rsi_reversion"].signals(bars(close), params)
        assert pos.tolist() == [0, 0, 1, 0, -1, -1, -1, 0, 1]

    def test_donchian_breakout(self) -> None:
        # Breaks the prior 3-bar high at bar 3; bar 6 breaks the 2-bar exit and 3-bar low.
        close = [10, 10, 10, 12, 13, 12.4, 11, 10, 9, 8]
        expected = [0, 0, 0, 1, 1, 1, -1, -1, -1, -1]
        assert compute("donchian_breakout", bars(close), entry=3, exit=2) == expected

    def test_bollinger_reversion(self) -> None:
        # Bar 3: 7 < 9 - sqrt(2); bar 4 back at the mean 9; bar 5: 13 > 10 + sqrt(6).
        close = [10, 10, 10, 7, 10, 13, 10]
        expected = [0, 0, 0, 1, 0, -1, 0]
        assert compute("bollinger_reversion", bars(close), period=3, width=1.0) == expected

    def test_macd_follows_histogram_sign(self) -> None:
        c = market()
        hist = ind.macd(c.close).hist
        pos = FAMILIES["macd_momentum"].signals(c)
        decided = ~np.isnan(hist) & (hist != 0)
        np.testing.assert_array_equal(pos[decided], np.sign(hist[decided]))
        assert (pos[np.isnan(hist)] == 0).all()

    def test_squeeze_then_breakout(self) -> None:
        # Closes pinned near 100 with wide bars: Bollinger sits inside Keltner, then a jump.
        close = [100 + 0.1 * (-1) ** i for i in range(40)] + [105, 106, 99]
        prices = bars(close, wick=1.0)
        pos = FAMILIES["squeeze_breakout"].signals(prices)
        assert (pos[:40] == 0).all()
        assert pos[40:].tolist() == [1, 1, 0]

    def test_no_squeeze_no_trade(self) -> None:
        # A steady trend closes above Keltner every bar, but Bollinger is never inside it.
        close = [100.0 + i for i in range(80)]
        prices = bars(close, wick=0.1)
        kc = ind.keltner(prices.high, prices.low, prices.close, 20, 1.5)
        assert (prices.close[40:] > kc.upper[40:]).all()
        assert (FAMILIES["squeeze_breakout"].signals(prices) == 0).all()


@pytest.mark.parametrize("name", sorted(FAMILIES))
class TestEveryFamily:
    def test_shape_and_values(self, name: str) -> None:
        c = market()
        pos = FAMILIES[name].signals(c)
        assert pos.dtype == np.int8 and pos.shape == (len(c),)
        assert set(np.unique(pos).tolist()) == {-1, 0, 1}

    def test_trades_on_synthetic_market(self, name: str) -> None:
        for symbol in ("BTC", "ETH", "SOL"):
            assert np.count_nonzero(np.diff(FAMILIES[name].signals(market(symbol)))) >= 10

    def test_no_look_ahead(self, name: str) -> None:
        c = market(periods=800)
        full = FAMILIES[name].signals(c)
        for stop in (1, 37, 150, 401, 799):
            np.testing.assert_array_equal(FAMILIES[name].signals(c.window(0, stop)), full[:stop])

    def test_empty_series(self, name: str) -> None:
        assert len(FAMILIES[name].signals(market(periods=0))) == 0
