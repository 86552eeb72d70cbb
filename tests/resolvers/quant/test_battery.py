"""The verdict battery through the real engine: each test's numbers against direct engine runs
and the statistics module, a designed edge that passes everything, and leaks that are caught."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

pytest.importorskip("resolvers.quant.engine")

from resolvers.quant import robustness, stats  # noqa: E402
from resolvers.quant.battery import (  # noqa: E402
    GUIDE,
    TEST_NAMES,
    BatteryThresholds,
    guide,
    run_battery,
    run_test,
)
from resolvers.quant.engine import Costs, backtest, run  # noqa: E402
from resolvers.quant.market import Candles, generate_candles  # noqa: E402
from resolvers.quant.strategies import (  # noqa: E402
    FAMILIES,
    Params,
    ParamSpec,
    PriceSeries,
    StrategyFamily,
)

COSTS = Costs(fee_rate=0.001, slippage_bps=5.0)


def _zigzag(bars: int = 2000, seed: int = 0) -> Candles:
    """Closes that rise about 1% on even bars and fall about 0.5% on odd ones, with noise;
    regime labels cycle through the four every 100 bars."""
    rng = np.random.default_rng(seed)
    steps = np.where(np.arange(bars) % 2 == 0, 0.01, -0.005) + rng.normal(0, 0.002, bars)
    close = 100 * np.exp(np.cumsum(steps))
    open_ = np.concatenate(([100.0], close[:-1]))
    return Candles(
        symbol="ZIG-USD",
        interval_seconds=3600,
        ts=1_700_000_000 + 3600 * np.arange(bars, dtype=np.int64),
        open=open_,
        high=np.maximum(open_, close) * 1.001,
        low=np.minimum(open_, close) * 0.999,
        close=close,
        volume=np.ones(bars),
        regime=((np.arange(bars) // 100) % 4).astype(np.int8),
    )


def _after_a_fall(prices: PriceSeries, params: Params) -> np.ndarray[Any, np.dtype[np.int8]]:
    close = prices.close
    lag = int(params["lookback"])
    fell = np.zeros(len(close), dtype=bool)
    fell[lag:] = close[lag:] < close[:-lag]
    return fell.astype(np.int8)


def _peeking(prices: PriceSeries, params: Params) -> np.ndarray[Any, np.dtype[np.int8]]:
    # Long when the NEXT close is higher: a leak the lookahead test must catch.
    close = prices.close
    up = np.zeros(len(close), dtype=bool)
    up[:-1] = close[1:] > close[:-1]
    return up.astype(np.int8)


_LAG = (ParamSpec("lookback", 1, 1, 5, "int", "bars back"),)
REVERSAL = StrategyFamily(
    "reversal", "Buy after a fall", "Long for one bar after a down bar.", _LAG, _after_a_fall
)
PEEKING = StrategyFamily("peeking", "Leaky", "Long when the next close is higher.", _LAG, _peeking)


def _market(bars: int = 3000) -> Candles:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return generate_candles(
        symbol="BTC-USD", seed=3, start=start, periods=bars, interval=timedelta(hours=1)
    )


def _battery(candles: Candles, family: Any, params: Any = None, **overrides: Any) -> Any:
    kwargs: dict[str, Any] = {
        "capital": 10_000.0,
        "fraction": 1.0,
        "costs": COSTS,
        "trials": 10,
        "trial_sharpes": None,
        "seed": 7,
    }
    kwargs.update(overrides)
    return run_battery(candles, family, params, **kwargs)


@pytest.fixture(scope="module")
def market() -> Candles:
    return _market()


@pytest.fixture(scope="module")
def ma_result(market: Candles) -> Any:
    return _battery(market, "ma_cross", {"fast": 8, "slow": 40})


class TestVerdict:
    def test_a_real_edge_passes_every_test(self) -> None:
        result = _battery(_zigzag(), REVERSAL)
        assert [t.name for t in result.tests] == list(TEST_NAMES)
        assert {t.name: t.passed for t in result.tests} == dict.fromkeys(TEST_NAMES, True), [
            t.reason for t in result.tests
        ]
        assert result.verdict == "pass" and result.failed() == []

    def test_one_failed_test_fails_the_verdict(self) -> None:
        # The same edge with a gate it cannot meet (more trades than the history holds).
        strict = BatteryThresholds(min_trades=5000)
        result = _battery(_zigzag(), REVERSAL, thresholds=strict)
        assert result.failed() == ["sample_size"]
        assert result.verdict == "fail" and not result.passed

    def test_results_are_json_ready_and_reproducible(self, market: Candles, ma_result: Any) -> None:
        answer = ma_result.as_dict()
        text = json.dumps(answer, allow_nan=False)
        assert json.loads(text)["verdict"] in ("pass", "fail")
        again = _battery(market, "ma_cross", {"fast": 8, "slow": 40})
        assert again.as_dict() == answer

    def test_each_test_alone_matches_the_battery(self, market: Candles, ma_result: Any) -> None:
        for expected in ma_result.tests:
            alone = run_test(
                expected.name,
                market,
                "ma_cross",
                {"fast": 8, "slow": 40},
                capital=10_000.0,
                fraction=1.0,
                costs=COSTS,
                trials=10,
                trial_sharpes=None,
                seed=7,
            )
            assert alone.as_dict() == expected.as_dict()

    def test_progress_reports_every_test_from_start_to_end(self, market: Candles) -> None:
        seen: list[tuple[str, float]] = []
        _battery(market.window(0, 1500), "ma_cross", progress=lambda n, d: seen.append((n, d)))
        assert [name for name, done in seen if done == 0.0] == list(TEST_NAMES)
        assert [name for name, done in seen if done == 1.0] == list(TEST_NAMES)
        # Reports come in battery order and rise within each test; the jitter runs are
        # reported by walk_forward, the first test to need them.
        order = [TEST_NAMES.index(name) for name, _ in seen]
        assert order == sorted(order)
        for name in TEST_NAMES:
            values = [done for n, done in seen if n == name]
            assert values == sorted(values) and all(0.0 <= v <= 1.0 for v in values)
        assert len([n for n, _ in seen if n == "walk_forward"]) == 2 + 20
        assert len([n for n, _ in seen if n == "lookahead"]) == 2 + 6

    def test_a_strategy_that_never_trades_fails_with_reasons(self, market: Candles) -> None:
        flat = StrategyFamily(
            "flat", "Flat", "Never trades.", _LAG, lambda p, _: np.zeros(len(p.close), np.int8)
        )
        result = _battery(market, flat)
        by_name = {t.name: t for t in result.tests}
        assert result.failed() == [name for name in TEST_NAMES if name not in ("lookahead",)], [
            t.reason for t in result.tests
        ]
        assert by_name["sample_size"].reason == "only 0 closed trades; at least 30 are needed"
        assert by_name["monte_carlo"].reason == "cannot be computed: fewer than 2 closed trades"
        assert by_name["cost_stress"].value == 0.0
        assert math.isnan(by_name["regime_split"].value or 0.0)
        assert by_name["regime_split"].as_dict()["value"] is None
        json.dumps(result.as_dict(), allow_nan=False)

    def test_bad_arguments_are_refused(self, market: Candles) -> None:
        with pytest.raises(ValueError, match="unknown verdict test"):
            run_test(
                "vibes", market, "ma_cross", None, capital=1e4, trials=1, trial_sharpes=None, seed=1
            )
        with pytest.raises(ValueError, match="unknown strategy family"):
            _battery(market, "nope")
        with pytest.raises(ValueError, match="trials"):
            _battery(market, "ma_cross", trials=0)
        with pytest.raises(ValueError, match="fast"):
            _battery(market, "ma_cross", {"fast": 50, "slow": 40})
        with pytest.raises(ValueError, match="seed"):
            _battery(market, "ma_cross", seed=-1)
        with pytest.raises(ValueError, match="capital"):
            _battery(market, "ma_cross", capital=0.0)
        with pytest.raises(ValueError, match="fraction"):
            _battery(market, "ma_cross", fraction=math.nan)
        with pytest.raises(ValueError, match="at least 12 bars"):
            _battery(market.window(0, 11), "ma_cross")


class TestEachTestAgainstTheEngine:
    def _base(self, market: Candles) -> Any:
        positions = FAMILIES["ma_cross"].signals(market, {"fast": 8, "slow": 40})
        return positions, run(market, positions, capital=10_000.0, costs=COSTS)

    def test_sample_size(self, market: Candles, ma_result: Any) -> None:
        _, base = self._base(market)
        test = ma_result.tests[0]
        m = stats.moments(base.bar_returns())
        assert test.details["trades"] == int(base.trades.closed.sum())
        assert test.details["min_track_record_bars"] == pytest.approx(
            stats.min_track_record(m.sharpe, m.skew, m.kurtosis)
        )
        assert test.passed == (
            test.details["trades"] >= 30 and m.n >= test.details["min_track_record_bars"]
        )

    def test_long_only_trades_no_shorts(self, market: Candles) -> None:
        expected = backtest(market, "ma_cross", None, capital=1e4, costs=COSTS, long_only=True)
        assert (expected.trades.direction > 0).all()
        both = run_test(
            "sample_size",
            market,
            "ma_cross",
            None,
            capital=1e4,
            trials=1,
            trial_sharpes=None,
            seed=1,
        )
        longs = run_test(
            "sample_size",
            market,
            "ma_cross",
            None,
            capital=1e4,
            costs=COSTS,
            trials=1,
            trial_sharpes=None,
            seed=1,
            long_only=True,
        )
        assert longs.details["trades"] == int(expected.trades.closed.sum())
        assert longs.details["trades"] < both.details["trades"]

    def test_statistical_significance_uses_the_trials(self, market: Candles) -> None:
        _, base = self._base(market)
        m = stats.moments(base.bar_returns())
        sharpes = [0.01, -0.02, 0.03, 0.0]
        test = run_test(
            "statistical_significance",
            market,
            "ma_cross",
            {"fast": 8, "slow": 40},
            capital=10_000.0,
            costs=COSTS,
            trials=25,
            trial_sharpes=sharpes,
            seed=1,
        )
        dsr, sr0 = stats.dsr(
            m.sharpe, m.n, m.skew, m.kurtosis, trials=25, variance=float(np.var(sharpes, ddof=1))
        )
        assert test.value == pytest.approx(dsr)
        assert test.details["expected_max_sharpe"] == pytest.approx(sr0)
        assert test.details["psr"] == pytest.approx(stats.psr(m.sharpe, m.n, m.skew, m.kurtosis))
        assert test.details["t_statistic"] == pytest.approx(m.sharpe * math.sqrt(m.n))
        assert test.details["variance_source"] == "trials"

    def test_walk_forward_scores_the_chosen_candidate(
        self, market: Candles, ma_result: Any
    ) -> None:
        test = ma_result.tests[2]
        assert len(test.details["folds"]) == 5
        for fold in test.details["folds"]:
            chosen = run(
                market,
                _signals("ma_cross", market, fold["params"]),
                capital=10_000.0,
                costs=COSTS,
            )
            a, b = fold["out_of_sample"]
            rate = robustness.annual_log_return(chosen.equity, a, b, 365 * 24, 10_000.0)[0]
            assert fold["out_of_sample_rate"] == pytest.approx(rate)

    def test_monte_carlo_resamples_the_closed_trades(self, market: Candles, ma_result: Any) -> None:
        _, base = self._base(market)
        test = ma_result.tests[3]
        assert test.details["trades"] == len(base.trades.returns())
        assert test.value == max(
            test.details["iid"]["drawdown_p95"], test.details["stationary"]["drawdown_p95"]
        )
        assert 0.0 <= test.details["loss_probability"] <= 1.0

    def test_param_jitter_neighbours_are_real_backtests(
        self, market: Candles, ma_result: Any
    ) -> None:
        test = ma_result.tests[4]
        neighbours = test.details["neighbours"]
        assert len(neighbours) == 20
        for neighbour in neighbours[:3]:
            again = run(
                market, _signals("ma_cross", market, neighbour["params"]), capital=1e4, costs=COSTS
            )
            assert neighbour["total_return"] == pytest.approx(again.equity[-1] / 1e4 - 1)
        share = np.mean([n["total_return"] > 0 for n in neighbours])
        assert test.value == pytest.approx(share)

    def test_cost_stress_finds_where_net_return_is_zero(self) -> None:
        candles = _zigzag()
        test = _battery(candles, REVERSAL).tests[5]
        positions = _after_a_fall(candles, {"lookback": 1})
        even = test.value
        assert 2.0 < even < 64
        near = [
            run(candles, positions, capital=1e4, costs=COSTS.scaled(m)).equity[-1] / 1e4 - 1
            for m in (even - 0.02, even + 0.02)
        ]
        assert near[0] > 0 > near[1]
        twice = run(candles, positions, capital=1e4, costs=COSTS.scaled(2.0)).equity[-1] / 1e4 - 1
        assert test.details["returns_at"]["2x"] == pytest.approx(twice)

    def test_a_cost_level_that_ruins_the_account_is_a_total_loss(self) -> None:
        # 30% fees a fill: the base run survives (each trade keeps about 40% of its notional),
        # twice that takes more than the whole notional, which the engine refuses to size.
        ruinous = Costs(fee_rate=0.3, slippage_bps=0.0)
        test = run_test(
            "cost_stress",
            _zigzag(),
            REVERSAL,
            None,
            capital=1e4,
            costs=ruinous,
            trials=1,
            trial_sharpes=None,
            seed=1,
        )
        assert test.details["returns_at"]["2x"] == -1.0
        assert test.value is not None and 0.0 < test.value < 1.0
        assert not test.passed

    def test_regime_split_counts_every_closed_trade(self, market: Candles, ma_result: Any) -> None:
        test = ma_result.tests[6]
        assert test.details["source"] == "candles"
        assert (
            sum(r["trades"] for r in test.details["regimes"])
            == ma_result.tests[0].details["trades"]
        )

    def test_regime_split_falls_back_to_the_detector(self, market: Candles) -> None:
        unlabelled = replace(market, regime=None)
        test = run_test(
            "regime_split",
            unlabelled,
            "ma_cross",
            None,
            capital=1e4,
            trials=1,
            trial_sharpes=None,
            seed=1,
        )
        assert test.details["source"] == "detector"
        # The detector leaves its warm-up unknown, so a few early trades may be in no regime.
        assert sum(r["trades"] for r in test.details["regimes"]) > 0


class TestLookahead:
    def test_every_built_in_family_is_causal(self, market: Candles) -> None:
        for name in FAMILIES:
            test = run_test(
                "lookahead", market, name, None, capital=1e4, trials=1, trial_sharpes=None, seed=1
            )
            assert test.passed, (name, test.reason)

    def test_a_peeking_signal_is_caught_with_its_bars(self) -> None:
        candles = _zigzag(700)
        test = run_test(
            "lookahead", candles, PEEKING, None, capital=1e4, trials=1, trial_sharpes=None, seed=1
        )
        assert not test.passed
        # Cuts at 700 (i + 1) // 7. At each cut t the last bar t - 1 loses its peek at the
        # close of bar t, which (t even) rises: long on the full history, flat when cut.
        stops = [c["stop"] for c in test.details["checkpoints"]]
        assert stops == [100, 200, 300, 400, 500, 600]
        assert [c["bars"] for c in test.details["checkpoints"]] == [[s - 1] for s in stops]
        assert test.value == 6
        assert test.reason == "6 bars change when later data is removed (first at bar 99)"


class TestThresholdsAndGuide:
    def test_bad_thresholds_are_refused(self) -> None:
        for bad in (
            {"min_trades": 0},
            {"significance": 1.0},
            {"jitter_delta": 0.0},
            {"loss_probability_max": 1.5},
            {"block_length": 0.5},
            {"cost_multiples": (0.0,)},
        ):
            with pytest.raises(ValueError):
                BatteryThresholds(**bad)

    def test_the_guide_lists_every_test_with_its_current_values(self) -> None:
        assert [entry["name"] for entry in GUIDE] == list(TEST_NAMES)
        assert all(entry["method"] and entry["reference"] for entry in GUIDE)
        custom = guide(BatteryThresholds(significance=0.99, folds=4))
        by_name = {entry["name"]: entry for entry in custom}
        assert by_name["statistical_significance"]["thresholds"] == {"significance": 0.99}
        assert by_name["walk_forward"]["parameters"]["folds"] == 4
        assert by_name["walk_forward"]["thresholds"] == {
            "wfe_min": 0.5,
            "profitable_folds_min": 0.6,
        }


def _signals(family: str, candles: Candles, params: dict[str, Any]) -> Any:
    from resolvers.quant.strategies import FAMILIES

    return FAMILIES[family].signals(candles, params)
