"""Walk-forward folds, parameter jitter, break-even costs and regime splits, checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from resolvers.quant import robustness as rb
from resolvers.quant.strategies import FAMILIES


class TestWalkForwardFolds:
    def test_rolling_folds_test_each_segment_after_its_predecessor(self) -> None:
        # 12 bars, 3 folds -> 4 segments [0,3) [3,6) [6,9) [9,12)
        folds = rb.walk_forward_folds(12, 3)
        assert [(f.is_start, f.is_stop, f.oos_start, f.oos_stop) for f in folds] == [
            (0, 3, 3, 6),
            (3, 6, 6, 9),
            (6, 9, 9, 12),
        ]

    def test_anchored_folds_learn_from_everything_before(self) -> None:
        folds = rb.walk_forward_folds(12, 3, "anchored")
        assert [(f.is_start, f.is_stop) for f in folds] == [(0, 3), (0, 6), (0, 9)]

    def test_uneven_bars_leave_the_remainder_to_the_last_segment(self) -> None:
        # 14 * i // 4 = 0, 3, 7, 10, 14
        folds = rb.walk_forward_folds(14, 3)
        assert [(f.oos_start, f.oos_stop) for f in folds] == [(3, 7), (7, 10), (10, 14)]

    def test_too_few_bars_is_refused(self) -> None:
        with pytest.raises(ValueError, match="at least 8 bars"):
            rb.walk_forward_folds(7, 3)


class TestWalkForwardEfficiency:
    def test_efficiency_by_hand(self) -> None:
        # Capital 100; segment end equities 121, 133.1, 133.1, 146.41, so the segment log
        # returns are 2L, L, 0, L with L = ln 1.1. Three bars per year and three-bar windows:
        # each window's annual rate is its log return.
        # rolling IS = [2L, L, 0] (mean L), OOS = [L, 0, L] (mean 2L/3) -> WFE = 2/3,
        # profitable OOS folds 2 of 3.
        equity = [110, 115, 121, 125, 130, 133.1, 130, 135, 133.1, 140, 145, 146.41]
        result = rb.walk_forward(equity, rb.walk_forward_folds(12, 3), bars_per_year=3, capital=100)
        lg = math.log(1.1)
        assert result.in_sample == pytest.approx([2 * lg, lg, 0.0], abs=1e-12)
        assert result.out_of_sample == pytest.approx([lg, 0.0, lg], abs=1e-12)
        assert result.efficiency == pytest.approx(2 / 3)
        assert result.profitable_share == pytest.approx(2 / 3)

    def test_annual_rate_scales_by_bars_per_year(self) -> None:
        # ln(121/100) over 2 bars at 365 bars a year = 0.19062036 * 182.5
        rate = rb.annual_log_return([110, 121], 0, 2, 365, 100)
        assert rate.tolist() == pytest.approx([math.log(1.21) * 182.5])
        # after the first bar the window starts from that bar's equity: ln(121/110) * 365
        assert rb.annual_log_return([110, 121], 1, 2, 365, 100)[0] == pytest.approx(
            math.log(1.1) * 365
        )

    def test_each_fold_picks_its_best_in_sample_candidate(self) -> None:
        # Two candidates, capital 100, two folds of two-bar windows (bars_per_year 2, so each
        # window's rate is its log return):
        #   A: 110, 121 | 121, 121 | 133.1, 146.41   segment logs 2L, 0, 2L
        #   B: 100, 100 | 105, 110 | 100, 90         segment logs 0, ln 1.1 = L, ln(90/110)
        # fold 1: IS seg 0 -> A (2L > 0); OOS seg 1 of A = 0
        # fold 2: IS seg 1 -> B (L > 0);  OOS seg 2 of B = ln(9/11)
        # WFE = mean(0, ln(9/11)) / mean(2L, L) = ln(9/11) / (3L); no profitable OOS fold.
        a: list[float] = [110, 121, 121, 121, 133.1, 146.41]
        b: list[float] = [100, 100, 105, 110, 100, 90]
        result = rb.walk_forward([a, b], rb.walk_forward_folds(6, 2), bars_per_year=2, capital=100)
        lg = math.log(1.1)
        assert result.chosen == [0, 1]
        assert result.in_sample == pytest.approx([2 * lg, lg])
        assert result.out_of_sample == pytest.approx([0.0, math.log(9 / 11)], abs=1e-12)
        assert result.efficiency == pytest.approx(math.log(9 / 11) / (3 * lg))
        assert result.profitable_share == 0.0

    def test_losing_in_sample_leaves_efficiency_undefined(self) -> None:
        equity = [90, 80, 85, 90]
        result = rb.walk_forward(equity, rb.walk_forward_folds(4, 1), bars_per_year=1, capital=100)
        assert math.isnan(result.efficiency)
        assert result.profitable_share == 1.0


class TestJitter:
    def test_the_draws_follow_the_documented_rule(self) -> None:
        # bollinger_reversion: period 20 (int, 5..200), width 2.0 (float, 0.5..4.0); delta 0.2
        # moves period within 20 +/- 4 and width within 2 +/- 0.4, drawn in spec order.
        family = FAMILIES["bollinger_reversion"]
        got = rb.jitter_params(
            family, {"period": 20, "width": 2.0}, samples=3, delta=0.2, rng=np.random.default_rng(9)
        )
        twin = np.random.default_rng(9)
        expected = []
        for _ in range(3):
            period = int(round(20 + twin.uniform(-4, 4)))
            width = 2.0 + twin.uniform(-0.4, 0.4)
            expected.append({"period": period, "width": pytest.approx(width)})
        assert got == expected

    def test_bounds_kinds_and_cross_checks_are_respected(self) -> None:
        family = FAMILIES["ma_cross"]
        # fast 10 and slow 12 with delta 0.5 often draw fast >= slow: those are re-drawn.
        got = rb.jitter_params(
            family,
            {"fast": 10, "slow": 12, "band": 0.0},
            samples=200,
            delta=0.5,
            rng=np.random.default_rng(1),
        )
        assert len(got) == 200
        assert all(p["fast"] < p["slow"] for p in got)
        assert all(isinstance(p["fast"], int) and isinstance(p["slow"], int) for p in got)
        assert {p["fast"] for p in got} <= set(range(5, 16))
        # A zero parameter moves by delta of its span: band within 0 +/- 0.5 * 0.05, clipped at 0.
        assert all(0.0 <= p["band"] <= 0.025 for p in got)
        assert max(p["band"] for p in got) > 0.02

    def test_values_clip_at_their_bounds(self) -> None:
        got = rb.jitter_params(
            FAMILIES["donchian_breakout"],
            {"entry": 200, "exit": 2},
            samples=100,
            delta=0.3,
            rng=np.random.default_rng(2),
        )
        assert max(p["entry"] for p in got) == 200
        assert min(p["exit"] for p in got) == 2

    def test_reproducible_under_a_seed(self) -> None:
        family = FAMILIES["rsi_reversion"]
        a = rb.jitter_params(family, {}, samples=20, delta=0.2, rng=np.random.default_rng(5))
        b = rb.jitter_params(family, {}, samples=20, delta=0.2, rng=np.random.default_rng(5))
        assert a == b
        assert len({tuple(p.values()) for p in a}) == 20


class TestBreakEven:
    def test_linear_net_return(self) -> None:
        # net(m) = 0.3 - 0.1 m crosses zero at m = 3
        assert rb.break_even_multiple(lambda m: 0.3 - 0.1 * m) == pytest.approx(3.0, abs=0.01)

    def test_compounded_net_return(self) -> None:
        # net(m) = 1.1 (1 - 0.01 m)^10 - 1 = 0  <=>  m = 100 (1 - 1.1^(-1/10)) = 0.94857418
        root = 100 * (1 - 1.1 ** (-0.1))
        assert root == pytest.approx(0.9485741785, rel=1e-9)
        found = rb.break_even_multiple(lambda m: 1.1 * (1 - 0.01 * m) ** 10 - 1)
        assert found == pytest.approx(root, abs=0.01)

    def test_already_losing_or_never_losing(self) -> None:
        assert rb.break_even_multiple(lambda m: -0.01 - m) == 0.0
        assert rb.break_even_multiple(lambda m: 1.0, high=8) == math.inf

    def test_few_evaluations(self) -> None:
        calls: list[float] = []

        def net(m: float) -> float:
            calls.append(m)
            return 1.1 * (1 - 0.01 * m) ** 10 - 1

        rb.break_even_multiple(net)
        # net(0), net(1), then a handful of regula falsi steps in [0, 1]
        assert len(calls) <= 8

    def test_a_compounding_cost_far_from_the_first_bracket(self) -> None:
        # net(m) = exp(3000 (0.004 - 0.003 m)) - 1: a gross edge of 0.4% a trade against
        # 0.3% m of costs, compounded over 3,000 trades; zero at m = 4/3, and already a
        # near-total loss at m = 2, so a straight line through net(0) and net(64) is useless.
        calls: list[float] = []

        def net(m: float) -> float:
            calls.append(m)
            return math.expm1(3000 * (0.004 - 0.003 * m))

        assert rb.break_even_multiple(net) == pytest.approx(4 / 3, abs=0.01)
        assert len(calls) <= 6


class TestRegimeSplit:
    def test_per_regime_by_hand(self) -> None:
        # regime 0: 0.1, -0.05 -> 1.1 * 0.95 - 1 = 0.045, profitable, 2 trades (counted)
        # regime 1: 0.2 alone -> below min_trades 2, not counted
        # regime 2: -0.1, 0.05, 0.02 -> 0.9 * 1.05 * 1.02 - 1 = -0.0361, counted, a loss
        # regime 3: no trades; the unknown label (-1) is skipped -> profitable in 1 of 2
        results, k, n = rb.regime_split(
            [0, 0, 1, 2, 2, 2, -1],
            [0.1, -0.05, 0.2, -0.1, 0.05, 0.02, 0.5],
            ("a", "b", "c", "d"),
            min_trades=2,
        )
        assert [(r.regime, r.trades, r.counted, r.profitable) for r in results] == [
            ("a", 2, True, True),
            ("b", 1, False, True),
            ("c", 3, True, False),
            ("d", 0, False, False),
        ]
        assert [r.total_return for r in results] == pytest.approx([0.045, 0.2, -0.0361, 0.0])
        assert (k, n) == (1, 2)
