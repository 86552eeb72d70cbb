"""The verdict battery: eight robustness tests over one strategy on one history, and the
overall verdict (pass only when every test passes). Pure synchronous numpy, no I/O.

The seed's seven (sample_size, statistical_significance, walk_forward, monte_carlo,
param_jitter, cost_stress, regime_split) plus lookahead. Every backtest goes through the
project's engine (resolvers/quant/engine.run). Thresholds: battery_setup.BatteryThresholds;
methods, thresholds and references: GUIDE (battery_guide). Bad arguments raise ValueError,
which the calling resolver turns into InvalidInput.

Randomness (jitter draws, bootstraps) comes from one numpy Generator per test seeded with
(seed, the test's position in TEST_NAMES), so run_test(name, ...) alone gives exactly what
that test gives inside run_battery, and the same seed gives the same verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Unpack

from resolvers.quant import battery_stress, battery_tests
from resolvers.quant.battery_guide import GUIDE, guide
from resolvers.quant.battery_setup import (
    TEST_NAMES,
    BatteryOptions,
    BatteryThresholds,
    Context,
    TestResult,
)
from resolvers.quant.market import Candles
from resolvers.quant.strategies import StrategyFamily

TESTS: dict[str, Callable[[Context], TestResult]] = {
    "sample_size": battery_tests.sample_size,
    "statistical_significance": battery_tests.statistical_significance,
    "walk_forward": battery_tests.walk_forward,
    "monte_carlo": battery_tests.monte_carlo,
    "param_jitter": battery_stress.param_jitter,
    "cost_stress": battery_stress.cost_stress,
    "regime_split": battery_stress.regime_split,
    "lookahead": battery_stress.lookahead,
}
__all__ = [
    "GUIDE",
    "TEST_NAMES",
    "BatteryOptions",
    "BatteryResult",
    "BatteryThresholds",
    "TestResult",
    "guide",
    "run_battery",
    "run_test",
]


@dataclass(frozen=True)
class BatteryResult:
    """Every test's result and the verdict: "pass" only when all of them passed."""

    tests: tuple[TestResult, ...]
    thresholds: BatteryThresholds
    seed: int
    trials: int

    @property
    def passed(self) -> bool:
        """True when every test passed."""
        return all(test.passed for test in self.tests)

    @property
    def verdict(self) -> str:
        """ "pass" or "fail"."""
        return "pass" if self.passed else "fail"

    def failed(self) -> list[str]:
        """Names of the tests that did not pass, in battery order."""
        return [test.name for test in self.tests if not test.passed]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready answer: verdict, per-test results, thresholds, seed and trials."""
        return {
            "verdict": self.verdict,
            "passed": self.passed,
            "failed": self.failed(),
            "tests": [test.as_dict() for test in self.tests],
            "thresholds": asdict(self.thresholds),
            "seed": self.seed,
            "trials": self.trials,
        }


def _run_one(ctx: Context, name: str) -> TestResult:
    ctx.start(name)
    result = TESTS[name](ctx)
    ctx.report(1.0)
    return result


def run_battery(
    candles: Candles,
    family: str | StrategyFamily,
    params: Mapping[str, object] | None,
    **options: Unpack[BatteryOptions],
) -> BatteryResult:
    """All eight tests in TEST_NAMES order, sharing one base backtest and one jitter sample.

    Options (battery_setup.BatteryOptions, keyword-only): capital; fraction (1.0) of equity
    per trade; costs (Costs()); trials, how many parameter sets were ever backtested for this
    hypothesis and family (the DSR's N); trial_sharpes, their per-bar Sharpe ratios (the
    engine's Performance.sharpe at the same bar interval) or None, whose variance is the DSR's
    V[SR_n]; thresholds (BatteryThresholds()); seed; long_only (False); progress, called as
    progress(test, done) with done in [0, 1] as each test advances (None)."""
    ctx = Context(candles, family, params, **options)
    results = tuple(_run_one(ctx, name) for name in TEST_NAMES)
    return BatteryResult(results, ctx.thresholds, ctx.seed, ctx.trials)


def run_test(
    name: str,
    candles: Candles,
    family: str | StrategyFamily,
    params: Mapping[str, object] | None,
    **options: Unpack[BatteryOptions],
) -> TestResult:
    """One test alone (a gauntlet step), identical to its result inside run_battery."""
    if name not in TESTS:
        raise ValueError(f"unknown verdict test {name!r}; one of {', '.join(TEST_NAMES)}")
    return _run_one(Context(candles, family, params, **options), name)
