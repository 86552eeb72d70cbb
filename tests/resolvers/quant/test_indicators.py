"""Indicators: hand-computed values on tiny arrays, and pandas cross-checks on long ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from resolvers.quant import indicators as ind

nan = np.nan
RNG = np.random.default_rng(3)
CLOSE = 100 * np.exp(np.cumsum(RNG.normal(0, 0.01, 400)))
HIGH = CLOSE * (1 + RNG.uniform(0, 0.01, 400))
LOW = CLOSE * (1 - RNG.uniform(0, 0.01, 400))


def seeded_pandas_ewm(x: np.ndarray, n: int, alpha: float) -> np.ndarray:
    """Reference: pandas' recursive EWM started from the SMA of the first n values."""
    seeded = pd.Series(x[n - 1 :].copy())
    seeded.iloc[0] = x[:n].mean()
    tail = seeded.ewm(alpha=alpha, adjust=False).mean().to_numpy()
    return np.concatenate((np.full(n - 1, nan), tail))


class TestRolling:
    def test_sma_by_hand(self) -> None:
        np.testing.assert_allclose(ind.sma([1, 2, 3, 4, 5], 3), [nan, nan, 2, 3, 4])

    def test_std_by_hand(self) -> None:
        # Windows [2,4,4] and [4,4,4]: population variance 8/9 and 0.
        np.testing.assert_allclose(
            ind.rolling_std([2, 4, 4, 4], 3), [nan, nan, np.sqrt(8 / 9), 0.0]
        )

    def test_max_min_by_hand(self) -> None:
        np.testing.assert_array_equal(ind.rolling_max([3, 1, 2, 5, 4], 2), [nan, 3, 2, 5, 5])
        np.testing.assert_array_equal(ind.rolling_min([3, 1, 2, 5, 4], 2), [nan, 1, 1, 2, 4])

    def test_shorter_than_window_is_all_nan(self) -> None:
        assert np.isnan(ind.sma([1.0, 2.0], 3)).all()

    def test_match_pandas(self) -> None:
        s = pd.Series(CLOSE)
        np.testing.assert_allclose(ind.sma(CLOSE, 20), s.rolling(20).mean(), rtol=1e-12)
        np.testing.assert_allclose(ind.rolling_std(CLOSE, 20), s.rolling(20).std(ddof=0), rtol=1e-9)
        np.testing.assert_allclose(
            ind.rolling_std(CLOSE, 20, ddof=1), s.rolling(20).std(), rtol=1e-9
        )

    @pytest.mark.parametrize("n", [0, -3])
    def test_bad_window(self, n: int) -> None:
        with pytest.raises(ValueError, match="window"):
            ind.sma([1.0, 2.0], n)

    def test_two_dimensional_refused(self) -> None:
        with pytest.raises(ValueError):
            ind.sma([[1.0, 2.0]], 1)


class TestEma:
    def test_by_hand(self) -> None:
        # n=3, alpha=0.5, seed mean(1,2,3)=2; then 2+0.5*(4-2)=3; 3+0.5*(8-3)=5.5.
        np.testing.assert_allclose(ind.ema([1, 2, 3, 4, 8], 3), [nan, nan, 2, 3, 5.5])

    def test_wilder_by_hand(self) -> None:
        # n=2, alpha=0.5: seed 1.5, then 1.5+0.5*(5-1.5)=3.25.
        np.testing.assert_allclose(ind.wilder([1, 2, 5], 2), [nan, 1.5, 3.25])

    def test_match_pandas(self) -> None:
        np.testing.assert_allclose(
            ind.ema(CLOSE, 10), seeded_pandas_ewm(CLOSE, 10, 2 / 11), rtol=1e-12
        )

    def test_skips_leading_nan(self) -> None:
        out = ind.ema([nan, nan, 1, 2, 3, 4], 3)
        np.testing.assert_allclose(out, [nan, nan, nan, nan, 2, 3])


class TestRsi:
    def test_by_hand(self) -> None:
        # Deltas 1,1,-1,1,1: seed gain 2/3, loss 1/3 -> RS 2 -> 66.67; then Wilder steps.
        expected = [nan, nan, nan, 100 - 100 / 3, 100 - 100 / 4.5, 100 - 100 / 6.75]
        np.testing.assert_allclose(ind.rsi([1, 2, 3, 2, 3, 4], 3), expected)

    def test_extremes(self) -> None:
        assert ind.rsi([1, 2, 3, 4], 2)[-1] == 100.0
        assert ind.rsi([4, 3, 2, 1], 2)[-1] == 0.0
        assert ind.rsi([5, 5, 5, 5], 2)[-1] == 50.0

    def test_match_pandas(self) -> None:
        delta = np.diff(CLOSE)
        gain = seeded_pandas_ewm(np.clip(delta, 0, None), 14, 1 / 14)
        loss = seeded_pandas_ewm(np.clip(-delta, 0, None), 14, 1 / 14)
        expected = np.concatenate(([nan], 100 - 100 / (1 + gain / loss)))
        np.testing.assert_allclose(ind.rsi(CLOSE, 14), expected, rtol=1e-10)
        assert np.isnan(ind.rsi(CLOSE, 14)[:14]).all()


class TestBands:
    def test_bollinger_by_hand(self) -> None:
        bands = ind.bollinger([2, 4, 4, 4], 3, k=1.5)
        width = 1.5 * np.sqrt(8 / 9)
        np.testing.assert_allclose(bands.middle, [nan, nan, 10 / 3, 4])
        np.testing.assert_allclose(bands.upper, [nan, nan, 10 / 3 + width, 4])
        np.testing.assert_allclose(bands.lower, [nan, nan, 10 / 3 - width, 4])

    def test_donchian_by_hand(self) -> None:
        bands = ind.donchian([5, 7, 6, 9], [1, 3, 2, 4], 2)
        np.testing.assert_array_equal(bands.upper, [nan, 7, 7, 9])
        np.testing.assert_array_equal(bands.lower, [nan, 1, 2, 2])
        np.testing.assert_array_equal(bands.middle, [nan, 4, 4.5, 5.5])

    def test_donchian_matches_pandas(self) -> None:
        bands = ind.donchian(HIGH, LOW, 20)
        np.testing.assert_array_equal(bands.upper, pd.Series(HIGH).rolling(20).max())
        np.testing.assert_array_equal(bands.lower, pd.Series(LOW).rolling(20).min())

    def test_keltner(self) -> None:
        bands = ind.keltner(HIGH, LOW, CLOSE, 20, k=2.0)
        width = 2.0 * ind.atr(HIGH, LOW, CLOSE, 20)
        np.testing.assert_allclose(bands.upper - bands.middle, width, rtol=1e-9)
        np.testing.assert_allclose(bands.middle, ind.ema(CLOSE, 20))


class TestMacd:
    def test_composition(self) -> None:
        m = ind.macd(CLOSE, 12, 26, 9)
        line = ind.ema(CLOSE, 12) - ind.ema(CLOSE, 26)
        np.testing.assert_allclose(m.line, line)
        # The signal EMA starts once the line has nine valid values: index 25 + 8.
        assert np.isnan(m.signal[:33]).all() and not np.isnan(m.signal[33])
        assert m.signal[33] == pytest.approx(line[25:34].mean())
        np.testing.assert_allclose(m.hist, m.line - m.signal)

    def test_signal_matches_pandas(self) -> None:
        m = ind.macd(CLOSE, 12, 26, 9)
        reference = seeded_pandas_ewm(m.line[25:], 9, 0.2)
        np.testing.assert_allclose(m.signal[25:], reference, rtol=1e-12)


class TestAtr:
    def test_true_range_by_hand(self) -> None:
        # Bar 1 gaps up from the previous close of 9: 12 - 9 = 3 beats its own range 12 - 11.
        tr = ind.true_range([10, 12, 12], [8, 11, 11], [9, 11, 11.5])
        np.testing.assert_array_equal(tr, [2, 3, 1])

    def test_atr_by_hand(self) -> None:
        # TR = [2, 3, 1]; n=2: seed 2.5, then 2.5 + (1 - 2.5)/2 = 1.75.
        atr = ind.atr([10, 12, 12], [8, 11, 11], [9, 11, 11.5], 2)
        np.testing.assert_allclose(atr, [nan, 2.5, 1.75])

    def test_matches_pandas(self) -> None:
        prev = pd.Series(CLOSE).shift()
        tr = pd.concat(
            [pd.Series(HIGH - LOW), (pd.Series(HIGH) - prev).abs(), (pd.Series(LOW) - prev).abs()],
            axis=1,
        ).max(axis=1)
        expected = seeded_pandas_ewm(tr.to_numpy(), 14, 1 / 14)
        np.testing.assert_allclose(ind.atr(HIGH, LOW, CLOSE, 14), expected, rtol=1e-12)
