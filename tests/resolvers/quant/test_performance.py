"""A Run's figures against hand computations on a fixed six-bar series."""

from __future__ import annotations

import math
import statistics
from dataclasses import replace

import numpy as np
import pytest

from resolvers.quant.engine import Costs, run
from resolvers.quant.market import Candles
from resolvers.quant.performance import max_drawdown, performance
from tests.resolvers.quant.test_engine import six_bars

COSTS = Costs(fee_rate=0.001, slippage_bps=10.0)
# Targets [1, 1, 0, -1, 0, 0] of size 2: a long filled at opens 1 -> 3 (102 -> 103) and a
# short at opens 4 -> 5 (101 -> 105), each fill 10 bps against the trader and 10 bps of fee.
LONG_PNL = (102.897 - 102.102) * 2 - (102.102 + 102.897) * 2 * 0.001  # 1.180002
SHORT_PNL = (100.899 - 105.105) * 2 - (100.899 + 105.105) * 2 * 0.001  # -8.824008
EQUITY = [
    1000.0,
    1000.0 + (103 - 102.102) * 2 - 0.204204,
    1000.0 + (102 - 102.102) * 2 - 0.204204,
    1000.0 + LONG_PNL,
    1000.0 + LONG_PNL + (100.899 - 104) * 2 - 0.201798,
    1000.0 + LONG_PNL + SHORT_PNL,
]


def daily_six_bars() -> Candles:
    # Daily bars make the year 365 bars, so the annualized figures are easy to check.
    return replace(six_bars(), interval_seconds=86_400)


class TestPerformance:
    def test_every_figure_by_hand(self) -> None:
        candles = daily_six_bars()
        result = run(candles, [1, 1, 0, -1, 0, 0], capital=1000.0, costs=COSTS, size=2.0)
        np.testing.assert_allclose(result.equity, EQUITY, rtol=1e-12)
        p = performance(result)
        previous = [1000.0, *EQUITY[:-1]]
        r = [e / b - 1 for e, b in zip(EQUITY, previous, strict=True)]
        mean = sum(r) / 6
        downside = math.sqrt(sum(min(x, 0.0) ** 2 for x in r) / 6)
        final = 1000.0 + LONG_PNL + SHORT_PNL
        assert p.final_equity == pytest.approx(final, rel=1e-12)
        assert p.net_pnl == pytest.approx(LONG_PNL + SHORT_PNL, rel=1e-9)
        assert p.total_return == pytest.approx(final / 1000 - 1, rel=1e-9)
        assert p.cagr == pytest.approx((final / 1000) ** (365 / 6) - 1, rel=1e-9)
        assert p.sharpe == pytest.approx(mean / statistics.stdev(r), rel=1e-9)
        assert p.sortino == pytest.approx(mean / downside, rel=1e-9)
        assert p.sharpe_annualized == pytest.approx(p.sharpe * math.sqrt(365), rel=1e-12)
        assert p.sortino_annualized == pytest.approx(p.sortino * math.sqrt(365), rel=1e-12)
        assert p.max_drawdown == pytest.approx(1 - final / EQUITY[1], rel=1e-9)
        assert p.win_rate == 0.5
        assert p.profit_factor == pytest.approx(LONG_PNL / -SHORT_PNL, rel=1e-9)
        assert p.exposure == pytest.approx(3 / 6)  # held during bars 1, 2 and 4
        assert (p.trades, p.open_trades, p.bars) == (2, 0, 6)
        fees = (102.102 + 102.897 + 100.899 + 105.105) * 2 * 0.001
        assert p.fees == pytest.approx(fees, rel=1e-9)

    def test_open_trade_only(self) -> None:
        result = run(six_bars(), [0, -1, -1, -1, -1, -1], capital=500.0, costs=COSTS, size=2.0)
        p = performance(result)
        assert (p.trades, p.open_trades) == (0, 1)
        assert p.win_rate is None and p.profit_factor is None
        assert p.fees == pytest.approx(103.896 * 2 * 0.001)
        assert p.exposure == pytest.approx(4 / 6)

    def test_no_loss_means_no_profit_factor(self) -> None:
        result = run(six_bars(), [1, 1, 0, 0, 0, 0], capital=1000.0, costs=Costs(0, 0), size=1.0)
        p = performance(result)
        assert p.win_rate == 1.0 and p.profit_factor is None

    def test_flat_curve_has_zero_ratios(self) -> None:
        p = performance(run(six_bars(), [0] * 6, capital=1000.0))
        assert (p.sharpe, p.sortino, p.sharpe_annualized, p.max_drawdown) == (0.0, 0.0, 0.0, 0.0)
        assert (p.total_return, p.cagr, p.exposure, p.trades) == (0.0, 0.0, 0.0, 0)

    def test_total_loss_caps_the_drawdown(self) -> None:
        # 300 units short from 103.896, marked at the last close of 106: -632 on 500 of capital.
        result = run(six_bars(), [0, -1, -1, -1, -1, -1], capital=500.0, costs=COSTS, size=300.0)
        p = performance(result)
        assert result.equity.min() < 0
        assert p.max_drawdown == 1.0 and p.cagr == -1.0


class TestMaxDrawdown:
    def test_by_hand(self) -> None:
        # Peak 120 falls to 90 (25%); the later 200 -> 160 is only 20%.
        assert max_drawdown([100, 120, 90, 110, 200, 160]) == pytest.approx(0.25)

    def test_rising_and_empty(self) -> None:
        assert max_drawdown([1, 2, 3]) == 0.0
        assert max_drawdown([]) == 0.0

    def test_non_positive_peak_refused(self) -> None:
        with pytest.raises(ValueError):
            max_drawdown([0.0, -1.0])
