"""What the verdict battery's tests share: thresholds, a test's result, and one backtest
context that runs each expensive piece (the base run, the jitter runs, the regime labels) at
most once however many tests ask for it. Pure synchronous numpy, no I/O."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NotRequired, TypedDict

import numpy as np
import numpy.typing as npt

from resolvers.quant import robustness, stats
from resolvers.quant.engine import Costs, Run, run
from resolvers.quant.market import SECONDS_PER_YEAR, Candles
from resolvers.quant.regimes import label_regimes
from resolvers.quant.strategies import FAMILIES, Params, Positions, StrategyFamily, validate_params

TEST_NAMES = (
    "sample_size",
    "statistical_significance",
    "walk_forward",
    "monte_carlo",
    "param_jitter",
    "cost_stress",
    "regime_split",
    "lookahead",
)
Progress = Callable[[str, float], None]
_SHARES = (
    "profitable_folds_min",
    "loss_probability_max",
    "jitter_profitable_min",
    "regime_share_min",
)


@dataclass(frozen=True)
class BatteryThresholds:
    """Every gate and parameter of the battery; the defaults and why (GUIDE repeats them).

    sample_size: min_trades 30, the usual floor for the normal approximations the t-statistic
      and PSR rely on; the bars must also reach the minimum track record length at
      min_trl_alpha 0.05 (Bailey & Lopez de Prado 2012 use 95% confidence).
    statistical_significance: significance 0.95 for PSR(0) and DSR, the papers' own level.
    walk_forward: folds 5 (five out-of-sample windows, each a sixth of the history, long enough
      to hold trades yet enough windows to count); wfe_min 0.5, Pardo's rule that out of sample
      should keep at least half the in-sample rate; profitable_folds_min 0.6 (3 of 5).
    monte_carlo: bootstrap_samples 1000 (the p95 then rests on 50 tail samples); block_length
      None = n^(1/3) trades, the order of the optimal block length for variance-type
      statistics (Hall, Horowitz & Jing 1995); drawdown_p95_max 0.4 (a 40% fall needs +67% to
      recover, past what most risk mandates tolerate); loss_probability_max 0.05, the same 5%
      error the 0.95 gates allow.
    param_jitter: jitter_samples 20, jitter_delta 0.2 (+/- 20% of each parameter: a real edge
      should not live on a knife's edge of one setting); jitter_profitable_min 0.6 of the
      neighbours profitable; jitter_sharpe_ratio_min 0.5, their median Sharpe at least half
      the base's.
    cost_stress: cost_multiples (2, 3) are reported; survive_multiple 2 must stay profitable
      (real fees and slippage often run twice the modelled ones in thin or fast markets); and
      break_even_min 2, the cost multiple at which net return reaches zero.
    regime_split: a regime counts with regime_min_trades 10 trades; profitable in at least
      regime_share_min 0.5 of the counted regimes, of which there must be regime_min_count 2
      (one regime alone says nothing about dependence on it).
    lookahead: lookahead_checkpoints 6 truncation points spread over the history.
    """

    min_trades: int = 30
    min_trl_alpha: float = 0.05
    significance: float = 0.95
    folds: int = 5
    wfe_min: float = 0.5
    profitable_folds_min: float = 0.6
    bootstrap_samples: int = 1000
    block_length: float | None = None
    drawdown_p95_max: float = 0.4
    loss_probability_max: float = 0.05
    jitter_samples: int = 20
    jitter_delta: float = 0.2
    jitter_profitable_min: float = 0.6
    jitter_sharpe_ratio_min: float = 0.5
    cost_multiples: tuple[float, ...] = (2.0, 3.0)
    survive_multiple: float = 2.0
    break_even_min: float = 2.0
    regime_min_trades: int = 10
    regime_share_min: float = 0.5
    regime_min_count: int = 2
    lookahead_checkpoints: int = 6

    def __post_init__(self) -> None:
        counts = (self.min_trades, self.folds, self.bootstrap_samples, self.jitter_samples)
        if min(counts) < 1 or self.regime_min_trades < 1 or self.regime_min_count < 1:
            raise ValueError("trade, fold, sample and regime counts must be at least 1")
        if self.lookahead_checkpoints < 1:
            raise ValueError("lookahead_checkpoints must be at least 1")
        if not (0 < self.min_trl_alpha < 1 and 0 < self.significance < 1):
            raise ValueError("min_trl_alpha and significance must be in (0, 1)")
        for name in _SHARES:
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1]")
        if not 0 < self.jitter_delta < 10:
            raise ValueError("jitter_delta must be in (0, 10)")
        if self.block_length is not None and not self.block_length >= 1:
            raise ValueError("block_length must be at least 1")
        if min(self.cost_multiples, default=1.0) <= 0 or self.survive_multiple <= 0:
            raise ValueError("cost multiples must be positive")


@dataclass(frozen=True)
class TestResult:
    """One test's outcome: its headline value against its threshold, and the numbers behind."""

    __test__ = False  # a result type, not a pytest test class

    name: str
    value: float | None
    threshold: float
    passed: bool
    reason: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: NaN and infinities become None (details spell out which)."""
        return _json_safe(
            {
                "name": self.name,
                "value": self.value,
                "threshold": self.threshold,
                "passed": self.passed,
                "reason": self.reason,
                "details": self.details,
            }
        )


def cannot_compute(name: str, threshold: float, why: str) -> TestResult:
    """A failed result for a test that cannot be computed. There is no "inconclusive": a
    strategy that cannot show robustness (no trades, too few regimes) has not earned it."""
    return TestResult(name, None, threshold, False, f"cannot be computed: {why}", {})


def _json_safe(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, Mapping):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_json_safe(item) for item in value]
    return value


def total_return(equity: npt.NDArray[np.float64], capital: float) -> float:
    """Final equity over the capital, minus one."""
    return float(equity[-1] / capital - 1.0)


@dataclass(frozen=True)
class Outcome:
    """What a parameter set or a cost level earned on the whole history."""

    total_return: float
    sharpe: float  # per bar
    equity: npt.NDArray[np.float64] | None  # None when the run ruined the account


class BatteryOptions(TypedDict):
    """The keyword options of run_battery and run_test (Context's keywords)."""

    capital: float
    fraction: NotRequired[float]
    costs: NotRequired[Costs]
    trials: int
    trial_sharpes: Sequence[float] | None
    thresholds: NotRequired[BatteryThresholds]
    seed: int
    long_only: NotRequired[bool]
    progress: NotRequired[Progress | None]


class Context:
    """One strategy on one history, with every shared computation cached."""

    def __init__(
        self,
        candles: Candles,
        family: str | StrategyFamily,
        params: Mapping[str, object] | None,
        *,
        capital: float,
        fraction: float = 1.0,
        costs: Costs = Costs(),  # noqa: B008 - frozen, so one shared default is safe
        trials: int,
        trial_sharpes: Sequence[float] | None,
        thresholds: BatteryThresholds = BatteryThresholds(),  # noqa: B008 - frozen
        seed: int,
        long_only: bool = False,
        progress: Progress | None = None,
    ) -> None:
        if isinstance(family, str):
            if family not in FAMILIES:
                raise ValueError(f"unknown strategy family {family!r}")
            family = FAMILIES[family]
        if trials < 1:
            raise ValueError("trials must be at least 1")
        if seed < 0:
            raise ValueError("seed must not be negative")
        # Checked here as well as in the engine: lookahead alone never reaches the engine.
        for name, value in (("capital", capital), ("fraction", fraction)):
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a finite positive number")
        if len(candles) < 2 * (thresholds.folds + 1):
            raise ValueError(f"need at least {2 * (thresholds.folds + 1)} bars")
        self.candles, self.family = candles, family
        self.params: Params = validate_params(family, params or {})
        self.capital, self.fraction, self.costs = capital, fraction, costs
        self.trials, self.trial_sharpes = trials, list(trial_sharpes or [])
        self.thresholds, self.seed, self.long_only = thresholds, seed, long_only
        self._progress = progress
        self.current: str | None = None
        self.bars_per_year = SECONDS_PER_YEAR / candles.interval_seconds

    def start(self, name: str) -> None:
        """Mark test `name` as running: progress from here on is reported under its name."""
        self.current = name
        self.report(0.0)

    def report(self, done: float) -> None:
        """Tell the caller how far the running test has got, in [0, 1]."""
        if self._progress is not None and self.current is not None:
            self._progress(self.current, done)

    def rng(self, name: str) -> np.random.Generator:
        """A generator per test, so one test run alone draws what it draws in the battery."""
        return np.random.default_rng([self.seed, TEST_NAMES.index(name)])

    def signals(self, candles: Candles, params: Params) -> Positions:
        """The family's targets, flat instead of short when long_only."""
        positions = self.family.compute(candles, params)
        return np.maximum(positions, 0).astype(np.int8) if self.long_only else positions

    def run(self, positions: Positions, costs: Costs | None = None) -> Run:
        """The engine's run of `positions` over the whole history."""
        return run(
            self.candles,
            positions,
            capital=self.capital,
            fraction=self.fraction,
            costs=self.costs if costs is None else costs,
        )

    def outcome(self, positions: Positions, costs: Costs | None = None) -> Outcome:
        """Total return and Sharpe of `positions`; a ruined account is a -100% return."""
        try:
            result = self.run(positions, costs)
        except ValueError:
            # The engine refuses to size trades once equity is gone: that is a total loss.
            return Outcome(-1.0, -math.inf, None)
        return Outcome(
            total_return(result.equity, self.capital),
            stats.sharpe(result.bar_returns()),
            result.equity,
        )

    @cached_property
    def positions(self) -> Positions:
        """The base parameters' targets on the full history."""
        return self.signals(self.candles, self.params)

    @cached_property
    def base(self) -> Run:
        """The backtest every test starts from."""
        return self.run(self.positions)

    @cached_property
    def bar_returns(self) -> npt.NDArray[np.float64]:
        """The base run's equity return per bar."""
        return self.base.bar_returns()

    @cached_property
    def trade_returns(self) -> npt.NDArray[np.float64]:
        """Closed trades' net returns on their notional (Run.trades.returns())."""
        return self.base.trades.returns()

    @cached_property
    def jitter(self) -> list[tuple[Params, Outcome]]:
        """The param_jitter neighbours and what each earned (shared with walk_forward)."""
        t = self.thresholds
        samples = robustness.jitter_params(
            self.family,
            self.params,
            samples=t.jitter_samples,
            delta=t.jitter_delta,
            rng=self.rng("param_jitter"),
        )
        outcomes = []
        for done, params in enumerate(samples, 1):
            outcomes.append((params, self.outcome(self.signals(self.candles, params))))
            # Whichever test asked first (walk_forward, in battery order) is the one waiting.
            self.report(0.9 * done / max(len(samples), 1))
        return outcomes

    @cached_property
    def labels(self) -> tuple[npt.NDArray[np.int8], str]:
        """A regime label per bar and where it came from (the data's own, or the detector)."""
        if self.candles.regime is not None:
            return np.asarray(self.candles.regime, dtype=np.int8), "candles"
        return label_regimes(self.candles.close), "detector"


def battery_thresholds(overrides: Mapping[str, Any]) -> BatteryThresholds:
    """The defaults with `overrides` applied (a setting's JSON object); ValueError names an
    unknown field or a value the thresholds refuse."""
    known = {f.name for f in dataclasses.fields(BatteryThresholds)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"unknown verdict threshold {unknown[0]!r}; known: {sorted(known)}")
    values: dict[str, Any] = {
        k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()
    }
    try:
        return BatteryThresholds(**values)
    except TypeError as exc:
        raise ValueError(f"verdict thresholds: {exc}") from exc
