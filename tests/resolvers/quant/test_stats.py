"""The verdict statistics against arithmetic written out by hand on a fixed series."""

from __future__ import annotations

import math

import numpy as np
import pytest

from resolvers.quant import stats

# Ten returns with mean 0.01; in units of 0.01 their deviations from the mean are
#   d = 4, -2, -2, 2, -2, 1, -1, 1, -1, 0          (sum 0)
#   sum d^2 = 16+4+4+4+4+1+1+1+1+0 = 36           -> m2 = 3.6e-4, sd = sqrt(36/9) 0.01 = 0.02
#   sum d^3 = 64-8-8+8-8+1-1+1-1+0 = 48           -> m3 = 4.8e-6
#   sum d^4 = 256+16+16+16+16+1+1+1+1+0 = 324     -> m4 = 32.4e-8
RETURNS = [0.05, -0.01, -0.01, 0.03, -0.01, 0.02, 0.00, 0.02, 0.00, 0.01]
N = 10
SR = 0.01 / 0.02  # 0.5
SKEW = 4.8 / 3.6**1.5  # 4.8 / 6.8305197... = 0.70272837
KURT = 32.4 / 3.6**2  # 32.4 / 12.96 = 2.5
# 1 - g3 SR + (g4 - 1)/4 SR^2 = 1 - 0.35136418 + 0.375 * 0.25 = 0.74238582
DISPERSION = 1 - SKEW * SR + (KURT - 1) / 4 * SR**2


class TestMoments:
    def test_every_moment_matches_the_hand_sums(self) -> None:
        m = stats.moments(RETURNS)
        assert m.n == 10
        assert m.mean == pytest.approx(0.01)
        assert m.sd == pytest.approx(0.02)
        assert m.skew == pytest.approx(0.7027283689, rel=1e-9)
        assert m.kurtosis == pytest.approx(2.5)
        assert m.sharpe == pytest.approx(0.5)
        dispersion = 1 - m.skew * m.sharpe + (m.kurtosis - 1) / 4 * m.sharpe**2
        assert dispersion == pytest.approx(0.7423858155, rel=1e-9)

    def test_sharpe_and_t_statistic(self) -> None:
        assert stats.sharpe(RETURNS) == pytest.approx(0.5)
        # t = mean / (sd / sqrt(n)) = 0.01 / (0.02 / 3.16227766) = 1.58113883
        assert stats.t_statistic(RETURNS) == pytest.approx(1.5811388301, rel=1e-9)

    def test_a_constant_series_is_neutral_not_a_division_by_zero(self) -> None:
        m = stats.moments([0.01] * 5)
        assert (m.sd, m.sharpe, m.skew, m.kurtosis) == (0.0, 0.0, 0.0, 3.0)

    def test_too_short_or_not_finite_is_refused(self) -> None:
        with pytest.raises(ValueError, match="at least 2"):
            stats.moments([0.1])
        with pytest.raises(ValueError, match="finite"):
            stats.moments([0.1, math.nan])


class TestProbabilisticSharpe:
    def test_psr_zero_by_hand(self) -> None:
        # z = (0.5 - 0) sqrt(9) / sqrt(0.74238582) = 1.5 / 0.86161814 = 1.74091043
        # Phi(1.74091043) = 0.95915036
        assert stats.psr(SR, N, SKEW, KURT) == pytest.approx(0.9591503596, rel=1e-9)

    def test_psr_against_a_benchmark(self) -> None:
        # z = (0.5 - 0.2) 3 / 0.86161814 = 1.04454626, Phi = 0.85188363
        z = 0.9 / math.sqrt(DISPERSION)
        assert z == pytest.approx(1.0445462560, rel=1e-9)
        assert stats.psr(SR, N, SKEW, KURT, benchmark=0.2) == pytest.approx(0.8518836350, rel=1e-9)

    def test_negative_skew_and_fat_tails_lower_the_psr(self) -> None:
        normal = stats.psr(0.3, 100, 0.0, 3.0)
        assert stats.psr(0.3, 100, -1.0, 6.0) < normal < stats.psr(0.3, 100, 1.0, 3.0)

    def test_sharpe_variance_is_the_dispersion_over_n_minus_one(self) -> None:
        assert stats.sharpe_variance(SR, N, SKEW, KURT) == pytest.approx(0.7423858155 / 9)


class TestDeflatedSharpe:
    def test_sr0_for_ten_trials_with_a_given_variance(self) -> None:
        # V = 0.01 -> sqrt(V) = 0.1
        # Z^-1[1 - 1/10] = Z^-1[0.9] = 1.28155157
        # Z^-1[1 - 1/(10 e)] = Z^-1[0.96321206] = 1.78924176
        # SR0 = 0.1 ((1 - 0.57721566) 1.28155157 + 0.57721566 1.78924176)
        #     = 0.1 (0.54182153 + 1.03278017) = 0.15745983
        assert stats.expected_max_sharpe(10, 0.01) == pytest.approx(0.1574598301, rel=1e-9)

    def test_dsr_is_the_psr_at_sr0(self) -> None:
        # z = (0.5 - 0.15745983) 3 / 0.86161814 = 1.19266351, Phi = 0.88349941
        value, benchmark = stats.dsr(SR, N, SKEW, KURT, trials=10, variance=0.01)
        assert benchmark == pytest.approx(0.1574598301, rel=1e-9)
        assert value == pytest.approx(0.8834994083, rel=1e-9)

    def test_unknown_variance_falls_back_to_the_estimator_variance(self) -> None:
        # V = 0.74238582 / 9 = 0.08248731, sqrt = 0.28720601; SR0 = 0.28720601 * 1.57460170
        _, benchmark = stats.dsr(SR, N, SKEW, KURT, trials=10)
        assert benchmark == pytest.approx(0.4522341521, rel=1e-9)

    def test_one_trial_deflates_nothing(self) -> None:
        value, benchmark = stats.dsr(SR, N, SKEW, KURT, trials=1, variance=0.01)
        assert benchmark == 0.0
        assert value == pytest.approx(stats.psr(SR, N, SKEW, KURT))

    def test_more_trials_raise_the_bar(self) -> None:
        bars = [stats.expected_max_sharpe(n, 0.01) for n in (2, 10, 100, 1000)]
        assert bars == sorted(bars)

    def test_the_papers_numerical_example(self) -> None:
        # Bailey & Lopez de Prado 2014, section "A numerical example": N = 100 trials with an
        # annualized variance of the trials' SRs of 1/2, the chosen SR 2.5 annualized, five
        # years of daily returns (T = 1250), skewness -3, kurtosis 10 -> SR0 = 0.1132 (per
        # day) and DSR = 0.9004.
        value, benchmark = stats.dsr(
            2.5 / math.sqrt(250), 1250, -3.0, 10.0, trials=100, variance=0.5 / 250
        )
        assert round(benchmark, 4) == 0.1132
        assert round(value, 4) == 0.9004


class TestMinimumTrackRecord:
    def test_min_trl_by_hand(self) -> None:
        # Z_0.05 = Z^-1[0.95] = 1.64485363; (1.64485363 / 0.5)^2 = 10.82222...
        # MinTRL = 1 + 0.74238582 * 10.82222 = 9.03422833
        assert stats.min_track_record(SR, SKEW, KURT) == pytest.approx(9.0342283346, rel=1e-9)

    def test_min_trl_against_a_benchmark(self) -> None:
        # 1 + 0.74238582 (1.64485363 / 0.3)^2 = 1 + 0.74238582 * 30.06173 = 23.31730093
        assert stats.min_track_record(SR, SKEW, KURT, benchmark=0.2) == pytest.approx(
            23.3173009293, rel=1e-9
        )

    def test_no_edge_needs_an_infinite_record(self) -> None:
        assert stats.min_track_record(0.1, 0.0, 3.0, benchmark=0.1) == math.inf
        assert stats.min_track_record(-0.2, 0.0, 3.0) == math.inf


class TestPathStats:
    def test_drawdown_and_total_of_compounded_paths(self) -> None:
        # path 1: equity 1, 1.1, 0.88, 0.924 -> peak 1.1, dd 1 - 0.88/1.1 = 0.2, total -0.076
        # path 2: equity 1, 0.9, 1.08, 1.08 -> the starting 1 is the peak: dd 0.1, total 0.08
        drawdowns, totals = stats.path_stats([[0.1, -0.2, 0.05], [-0.1, 0.2, 0.0]])
        assert drawdowns == pytest.approx([0.2, 0.1])
        assert totals == pytest.approx([-0.076, 0.08])

    def test_a_total_loss_is_refused(self) -> None:
        with pytest.raises(ValueError, match="-100%"):
            stats.path_stats([[0.1, -1.0]])


class TestBootstrap:
    def test_two_returns_enumerated_by_hand(self) -> None:
        # Four equally likely iid paths of [0.1, -0.1]:
        #   (+,+): 1.21, dd 0         (+,-): 1.1 -> 0.99, dd 0.1, loss
        #   (-,+): 0.9 -> 0.99, dd 0.1, loss      (-,-): 0.81, dd 0.19, loss
        # so P(loss) = 3/4 and the max drawdown is 0, 0.1, 0.19 with odds 1/4, 1/2, 1/4.
        result = stats.bootstrap_returns([0.1, -0.1], samples=20_000, seed=3)
        assert result.loss_probability == pytest.approx(0.75, abs=0.01)
        values, counts = np.unique(np.round(result.max_drawdowns, 12), return_counts=True)
        assert values.tolist() == [0.0, 0.1, 0.19]
        assert (counts / 20_000) == pytest.approx([0.25, 0.5, 0.25], abs=0.01)
        assert result.drawdown_p95 == pytest.approx(0.19)

    def test_reproducible_under_a_seed(self) -> None:
        r = np.random.default_rng(0).normal(0.001, 0.02, 200)
        a = stats.bootstrap_returns(r, samples=300, seed=11, block=5)
        b = stats.bootstrap_returns(r, samples=300, seed=11, block=5)
        c = stats.bootstrap_returns(r, samples=300, seed=12, block=5)
        assert np.array_equal(a.max_drawdowns, b.max_drawdowns)
        assert not np.array_equal(a.max_drawdowns, c.max_drawdowns)

    def test_iid_resamples_draw_every_position_alike(self) -> None:
        idx = stats.bootstrap_indices(5, 10_000, np.random.default_rng(1))
        assert idx.shape == (10_000, 5)
        assert np.bincount(idx.ravel(), minlength=5) / idx.size == pytest.approx(
            [0.2] * 5, abs=0.01
        )

    def test_an_endless_block_is_a_circular_shift_of_the_series(self) -> None:
        idx = stats.bootstrap_indices(7, 50, np.random.default_rng(2), block=1e12)
        assert all(((row - row[0]) % 7 == np.arange(7)).all() for row in idx)

    def test_stationary_blocks_have_the_mean_length_asked(self) -> None:
        idx = stats.bootstrap_indices(1000, 200, np.random.default_rng(4), block=10)
        # A step continues its block when it follows its predecessor (circularly).
        continues = (idx[:, 1:] - idx[:, :-1]) % 1000 == 1
        # Continuing happens with probability 1 - 1/L, plus 1/1000 for a new block landing
        # right after the old one by chance.
        assert continues.mean() == pytest.approx(0.9 + 0.1 / 1000, abs=0.005)
        assert ((idx >= 0) & (idx < 1000)).all()

    def test_blocks_keep_a_loss_streak_together(self) -> None:
        # Five losses in a row then gains: blocks preserve the streak, so deeper drawdowns.
        r = np.array([-0.05] * 5 + [0.012] * 45)
        iid = stats.bootstrap_returns(r, samples=2000, seed=5)
        blocks = stats.bootstrap_returns(r, samples=2000, seed=5, block=10)
        assert blocks.drawdown_p95 > iid.drawdown_p95
