"""The synthetic market: deterministic, consistent candles from a regime-switching walk."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from resolvers.quant.market import (
    RANGE,
    REGIME_NAMES,
    TRANSITIONS,
    TREND_DOWN,
    TREND_UP,
    VOLATILE,
    Candles,
    base_asset,
    default_start_price,
    generate_candles,
)

START = datetime(2024, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def make(symbol: str = "BTC", seed: int = 1, periods: int = 500, **kwargs: Any) -> Candles:
    return generate_candles(
        symbol=symbol, seed=seed, start=START, periods=periods, interval=HOUR, **kwargs
    )


def same(a: Candles, b: Candles) -> bool:
    fields = ("ts", "open", "high", "low", "close", "volume", "regime")
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in fields)


class TestDeterminism:
    def test_same_inputs_same_series(self) -> None:
        assert same(make(seed=42), make(seed=42))

    def test_other_seed_other_series(self) -> None:
        assert not np.allclose(make(seed=1).close, make(seed=2).close)

    def test_other_symbol_other_series(self) -> None:
        btc = make("BTC", start_price=100.0)
        eth = make("ETH", start_price=100.0)
        assert not np.allclose(btc.close, eth.close)

    def test_symbol_case_does_not_matter(self) -> None:
        assert same(make("btc"), make("BTC"))

    def test_longer_series_extends_shorter(self) -> None:
        short, long = make(periods=300), make(periods=1000)
        assert same(short, long.window(0, 300))

    def test_stable_across_processes(self) -> None:
        # A fresh interpreter has a different str-hash salt; the series must not care.
        code = (
            "from datetime import datetime, timedelta, UTC;"
            "from resolvers.quant.market import generate_candles as g;"
            "c = g(symbol='ETH', seed=9, start=datetime(2024, 1, 1, tzinfo=UTC), periods=50,"
            " interval=timedelta(hours=1));"
            "print(repr(float(c.close[-1])))"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert float(out.stdout) == float(make("ETH", seed=9, periods=50).close[-1])


class TestCandles:
    def test_ohlc_consistent_and_positive(self) -> None:
        c = make(periods=5000)
        assert (c.high >= np.maximum(c.open, c.close)).all()
        assert (c.low <= np.minimum(c.open, c.close)).all()
        assert (c.low > 0).all()
        assert (c.volume > 0).all()

    def test_each_open_is_previous_close(self) -> None:
        c = make()
        assert c.open[0] == default_start_price("BTC")
        np.testing.assert_array_equal(c.open[1:], c.close[:-1])

    def test_timestamps_step_by_interval(self) -> None:
        c = make(periods=3)
        assert c.ts.dtype == np.int64
        assert c.ts.tolist() == [1704067200, 1704070800, 1704074400]
        assert c.time_at(2) == datetime(2024, 1, 1, 2, tzinfo=UTC)

    def test_naive_start_is_utc(self) -> None:
        naive = generate_candles(
            symbol="BTC", seed=1, start=datetime(2024, 1, 1), periods=3, interval=HOUR
        )
        assert naive.ts[0] == make(periods=3).ts[0]

    def test_start_price_override(self) -> None:
        assert make(start_price=123.0).open[0] == 123.0

    def test_arrays_are_read_only(self) -> None:
        with pytest.raises(ValueError):
            make().close[0] = 1.0

    def test_to_frame(self) -> None:
        frame = make(periods=4).to_frame()
        assert list(frame.columns) == ["open", "high", "low", "close", "volume", "regime"]
        assert frame.index[1] == datetime(2024, 1, 1, 1, tzinfo=UTC)

    def test_zero_periods(self) -> None:
        assert len(make(periods=0)) == 0

    def test_mismatched_arrays_refused(self) -> None:
        c = make(periods=5)
        with pytest.raises(ValueError):
            Candles("X", 3600, c.ts, c.open[:4], c.high, c.low, c.close, c.volume)

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"periods": -1},
            {"start_price": 0.0},
            {"start_price": float("nan")},
            {"symbol": " "},
        ],
    )
    def test_bad_inputs(self, kwargs: dict[str, Any]) -> None:
        with pytest.raises(ValueError):
            make(**kwargs)

    def test_sub_second_interval_refused(self) -> None:
        with pytest.raises(ValueError):
            generate_candles(
                symbol="BTC", seed=1, start=START, periods=3, interval=timedelta(milliseconds=1)
            )


class TestSymbols:
    @pytest.mark.parametrize("symbol", ["BTC", "btc-usd", "BTC/USDT", "BTCUSDT", "BTC-PERP"])
    def test_base_asset(self, symbol: str) -> None:
        assert base_asset(symbol) == "BTC"

    def test_known_and_derived_prices(self) -> None:
        assert default_start_price("BTC-USD") == 65_000.0
        derived = default_start_price("ZZTOP")
        assert derived == default_start_price("zztop") and 1.0 <= derived <= 10_000.0
        assert derived != default_start_price("QQQX")


class TestRegimes:
    def test_transition_rows_are_distributions(self) -> None:
        assert TRANSITIONS.shape == (len(REGIME_NAMES), len(REGIME_NAMES))
        np.testing.assert_allclose(TRANSITIONS.sum(axis=1), 1.0)
        assert len(REGIME_NAMES) >= 3

    def test_every_regime_visited_and_persistent(self) -> None:
        c = make(periods=20_000)
        assert c.regime is not None
        assert set(np.unique(c.regime).tolist()) == set(range(len(REGIME_NAMES)))
        switches = np.count_nonzero(np.diff(c.regime))
        assert switches < len(c) / 10

    def test_regimes_shape_returns(self) -> None:
        c = make(periods=50_000)
        assert c.regime is not None
        ret = np.diff(np.log(c.close), prepend=np.log(c.open[0]))
        assert ret[c.regime == TREND_UP].mean() > 0 > ret[c.regime == TREND_DOWN].mean()
        # Ranging bars are quieter than the whole series.
        assert ret[c.regime == RANGE].std() < ret.std() < ret[c.regime == VOLATILE].std()
