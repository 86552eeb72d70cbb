"""Market and performance metrics, checked against tiny hand-worked arrays."""

from __future__ import annotations

import math

import numpy as np
import pytest

from resolvers.quant import metrics


class TestMarketMetrics:
    def test_average_quote_volume_is_mean_notional(self) -> None:
        # notional per bar: 1 x 10, 2 x 5, 4 x 1 -> mean of 10, 10, 4
        assert metrics.average_quote_volume([1.0, 2.0, 4.0], [10.0, 5.0, 1.0]) == 8.0

    def test_annualised_volatility_of_two_returns(self) -> None:
        # Two log returns a, b: sample stdev |a - b| / sqrt(2); daily bars scale by sqrt(365).
        a, b = math.log(1.1), math.log(0.9)
        expected = abs(a - b) / math.sqrt(2) * math.sqrt(365)
        got = metrics.annualised_volatility([100.0, 110.0, 99.0], 86_400)
        assert got == pytest.approx(expected)
        assert got == pytest.approx(2.7109, abs=1e-4)

    def test_volatility_scales_with_interval(self) -> None:
        close = [100.0, 110.0, 99.0, 104.0]
        hourly = metrics.annualised_volatility(close, 3600)
        daily = metrics.annualised_volatility(close, 86_400)
        assert hourly == pytest.approx(daily * math.sqrt(24))

    @pytest.mark.parametrize(
        ("close", "expected"),
        [
            ([10.0, 11.0, 10.0, 12.0], 0.5),  # net 2 over a path of 1 + 1 + 2
            ([10.0, 9.0, 8.0], -1.0),  # straight down
            ([5.0, 5.0, 5.0], 0.0),  # no path at all
            ([10.0, 12.0, 10.0], 0.0),  # back where it started
        ],
    )
    def test_efficiency_ratio(self, close: list[float], expected: float) -> None:
        assert metrics.efficiency_ratio(close) == pytest.approx(expected)

    def test_volatility_ratio_sees_a_calm_tail(self) -> None:
        returns = [0.1, -0.1, 0.1, -0.1, 0.01, -0.01]
        close = 100.0 * np.exp(np.cumsum([0.0, *returns]))
        # all: population stdev sqrt((4 x 0.01 + 2 x 0.0001) / 6); last two: 0.01
        expected = 0.01 / math.sqrt(0.0402 / 6)
        assert metrics.volatility_ratio(close, recent=2) == pytest.approx(expected)
        assert metrics.volatility_ratio([7.0, 7.0, 7.0], recent=2) == 1.0

    @pytest.mark.parametrize(
        ("trend", "ratio", "expected"),
        [
            (0.25, 1.0, "trend"),  # threshold for 101 prices: 2 / sqrt(100) = 0.2
            (-0.3, 0.9, "trend"),
            (0.1, 1.0, "range"),
            (0.5, 0.5, "compression"),  # a squeeze wins over the trend
        ],
    )
    def test_classify(self, trend: float, ratio: float, expected: str) -> None:
        assert metrics.classify(trend, ratio, 101) == expected

    def test_trend_threshold_shrinks_with_longer_windows(self) -> None:
        assert metrics.trend_threshold(101) == pytest.approx(0.2)
        assert metrics.trend_threshold(401) == pytest.approx(0.1)

    @pytest.mark.parametrize(
        "bad", [[1.0], [1.0, -2.0, 3.0], [1.0, float("nan"), 2.0], [[1.0, 2.0]]]
    )
    def test_bad_prices_raise(self, bad: list[float]) -> None:
        with pytest.raises(ValueError):
            metrics.efficiency_ratio(bad)


class TestScores:
    def test_percentile_ranks(self) -> None:
        assert metrics.percentile_ranks([3.0, 1.0, 2.0]).tolist() == [1.0, 0.0, 0.5]
        # ties share the mean rank: ranks 1.5, 1.5, 3 -> (0.5, 0.5, 2) / 2
        assert metrics.percentile_ranks([1.0, 1.0, 2.0]).tolist() == [0.25, 0.25, 1.0]
        assert metrics.percentile_ranks([42.0]).tolist() == [1.0]

    def test_candidate_scores_weigh_liquidity_trend_and_calm(self) -> None:
        # liquidity ranks 1, 0, .5; |trend| ranks .5, 1, 0; calm = 1 - vol ranks: 1, .5, 0
        scores = metrics.candidate_scores([3.0, 1.0, 2.0], [1.0, 2.0, 3.0], [0.1, -0.5, 0.0])
        assert scores.tolist() == pytest.approx([0.85, 0.4, 0.25])


class TestPerformance:
    def test_worst_daily_loss_measures_from_each_days_open(self) -> None:
        # Day 0 opens at the capital (100): worst 90 -> 10%. Day 1 opens at day 0's last
        # equity (90): 95 is a gain, 80 is 1 - 80/90.
        got = metrics.worst_daily_loss([0, 0, 1, 1], [100.0, 90.0, 95.0, 80.0], 100.0)
        assert got == pytest.approx(1 - 80 / 90)

    def test_worst_daily_loss_is_zero_when_every_day_gains(self) -> None:
        assert metrics.worst_daily_loss([0, 1, 2], [101.0, 102.0, 103.0], 100.0) == 0.0
        assert metrics.worst_daily_loss([], [], 100.0) == 0.0

    def test_worst_daily_loss_ignores_a_previous_days_peak(self) -> None:
        # 120 on day 0, day 1 opens at 110 (day 0's close) and ends at 104.5: 5% that day,
        # even though equity is 12.9% below the day-0 peak.
        got = metrics.worst_daily_loss([0, 0, 1], [120.0, 110.0, 104.5], 100.0)
        assert got == pytest.approx(0.05)

    def test_exposure_counts_bars_with_a_position(self) -> None:
        assert metrics.exposure([0, 1, 1, -1, 0]) == pytest.approx(0.6)
        assert metrics.exposure([]) == 0.0
