"""The verdict battery's robustness arithmetic: walk-forward folds and efficiency, parameter
jitter, the break-even cost multiple and results per regime. Pure synchronous numpy, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from resolvers.quant.strategies import Params, ParamSpec, StrategyFamily, validate_params

FloatArray = npt.NDArray[np.float64]
_TOTAL_LOSS = -1.0 + 1e-12


@dataclass(frozen=True)
class Fold:
    """In-sample bars [is_start, is_stop) followed by out-of-sample bars [oos_start, oos_stop)."""

    is_start: int
    is_stop: int
    oos_start: int
    oos_stop: int


def walk_forward_folds(
    bars: int, k: int, scheme: Literal["rolling", "anchored"] = "rolling"
) -> list[Fold]:
    """k folds over `bars` bars cut into k + 1 contiguous segments of equal length (the last
    takes the remainder). Fold i (1..k) is tested out of sample on segment i; in sample it is
    segment i - 1 alone ("rolling", an in-sample window as long as the test window) or
    segments 0..i-1 ("anchored", everything before the test window)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    if bars < 2 * (k + 1):
        raise ValueError(f"need at least {2 * (k + 1)} bars for {k} folds")
    if scheme not in ("rolling", "anchored"):
        raise ValueError("scheme must be 'rolling' or 'anchored'")
    edges = [bars * i // (k + 1) for i in range(k + 2)]
    return [
        Fold(edges[i - 1] if scheme == "rolling" else 0, edges[i], edges[i], edges[i + 1])
        for i in range(1, k + 1)
    ]


def annual_log_return(
    equity: npt.ArrayLike, start: int, stop: int, bars_per_year: float, capital: float
) -> FloatArray:
    """Continuously compounded yearly rate over bars [start, stop), one per equity row:
    ln(E_stop / E_start) scaled by bars_per_year / (stop - start), where E_start is the equity
    before bar `start` (capital for bar 0); -inf for a curve that reached zero. Log rates keep
    short windows of fast bars from overflowing a compound rate."""
    values = np.atleast_2d(np.asarray(equity, dtype=np.float64))
    before = np.full(len(values), capital) if start == 0 else values[:, start - 1]
    after = values[:, stop - 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.log(after / before) * bars_per_year / (stop - start)
    return np.asarray(np.where((before > 0) & (after > 0), rate, -np.inf), dtype=np.float64)


@dataclass(frozen=True)
class WalkForward:
    """Per fold: the candidate chosen in sample, its annualized log return in and out of
    sample; the efficiency and the share of profitable out-of-sample folds."""

    folds: list[Fold]
    chosen: list[int]
    in_sample: list[float]
    out_of_sample: list[float]
    efficiency: float  # NaN when the mean in-sample rate is not positive
    profitable_share: float


def walk_forward(
    equities: npt.ArrayLike, folds: Sequence[Fold], *, bars_per_year: float, capital: float
) -> WalkForward:
    """Walk-forward analysis over candidate equity curves (rows; one curve is one candidate):
    each fold picks the candidate with the best in-sample rate and scores it out of sample.
    Walk-forward efficiency (Pardo, The Evaluation and Optimization of Trading Strategies, 2nd
    ed., 2008) = mean annualized out-of-sample return over mean annualized in-sample
    return of the chosen candidates, undefined (NaN) when the in-sample mean is not positive."""
    if not folds:
        raise ValueError("need at least one fold")
    chosen, ins, outs = [], [], []
    for f in folds:
        scores = annual_log_return(equities, f.is_start, f.is_stop, bars_per_year, capital)
        best = int(np.argmax(scores))
        oos = annual_log_return(equities, f.oos_start, f.oos_stop, bars_per_year, capital)
        chosen.append(best)
        ins.append(float(scores[best]))
        outs.append(float(oos[best]))
    mean_in, mean_out = float(np.mean(ins)), float(np.mean(outs))
    efficiency = mean_out / mean_in if mean_in > 0 and math.isfinite(mean_out) else math.nan
    profitable = sum(1 for value in outs if value > 0) / len(outs)
    return WalkForward(list(folds), chosen, ins, outs, efficiency, profitable)


def jitter_params(
    family: StrategyFamily,
    params: Mapping[str, object],
    *,
    samples: int,
    delta: float,
    rng: np.random.Generator,
    max_tries: int = 50,
) -> list[Params]:
    """Up to `samples` parameter sets near `params`: each numeric parameter p moves uniformly
    within p (1 +/- delta), or +/- delta of its span (high - low) when p is 0, is clipped to
    its spec's bounds and rounded for "int" specs. A set the family's cross-parameter check
    refuses (fast >= slow, say) is re-drawn, up to `max_tries` per sample, so the samples stay
    uniform over the valid neighbourhood instead of piling up on a clipped edge; a sample
    with no valid draw is left out (the caller sees fewer than `samples`)."""
    if samples < 0 or not 0 < delta < 10:
        raise ValueError("need samples >= 0 and 0 < delta < 10")
    base = validate_params(family, params)
    accepted: list[Params] = []
    for _ in range(samples):
        for _ in range(max_tries):
            draw = {
                spec.name: _jitter_one(spec, base[spec.name], delta, rng) for spec in family.params
            }
            try:
                accepted.append(validate_params(family, draw))
                break
            except ValueError:
                continue
    return accepted


def _jitter_one(
    spec: ParamSpec, value: int | float, delta: float, rng: np.random.Generator
) -> int | float:
    reach = abs(value) * delta if value != 0 else (spec.high - spec.low) * delta
    moved = float(np.clip(value + rng.uniform(-reach, reach), spec.low, spec.high))
    return int(round(moved)) if spec.kind == "int" else moved


def break_even_multiple(
    net: Callable[[float], float],
    *,
    high: float = 64.0,
    tolerance: float = 0.01,
    net_tolerance: float = 1e-9,
) -> float:
    """The cost multiple m >= 0 at which the net return net(m) crosses zero, for net
    decreasing in m.

    0 when already unprofitable at zero cost, inf when still profitable at `high`; otherwise
    found to within `tolerance` in m, or where |net| <= `net_tolerance`. Net return is not
    linear in m: costs compound over the trades, so it is closer to exp(a - b m) - 1. The
    search therefore runs on log(1 + net), nearly linear in m (a total loss is floored at
    -100% + 1e-12): it brackets the root by doubling m from 1 (the multiple a caller has
    usually evaluated already), then narrows the bracket by the Illinois variant of regula
    falsi (Dowell & Jarratt 1971), about as few evaluations as a secant without ever
    leaving the bracket.
    """

    def scaled(multiple: float) -> float:
        return math.log1p(max(net(multiple), _TOTAL_LOSS))

    lo, f_lo = 0.0, scaled(0.0)
    if f_lo <= 0:
        return 0.0
    hi = min(1.0, high)
    f_hi = scaled(hi)
    while f_hi > 0:
        if hi >= high:
            return math.inf
        lo, f_lo = hi, f_hi
        hi = min(2 * hi, high)
        f_hi = scaled(hi)
    side = 0
    for _ in range(100):
        if hi - lo <= tolerance:
            break
        mid = hi - f_hi * (hi - lo) / (f_hi - f_lo)
        f_mid = scaled(mid)
        if abs(f_mid) <= net_tolerance:
            return mid
        if f_mid > 0:
            lo, f_lo = mid, f_mid
            if side == 1:
                f_hi /= 2
            side = 1
        else:
            hi, f_hi = mid, f_mid
            if side == -1:
                f_lo /= 2
            side = -1
    return (lo + hi) / 2


@dataclass(frozen=True)
class RegimeResult:
    """The closed trades entered in one regime."""

    regime: str
    trades: int
    total_return: float  # compounded: prod(1 + r) - 1
    profitable: bool
    counted: bool  # at least min_trades, so it takes part in "k of n"


def regime_split(
    entry_labels: npt.ArrayLike,
    returns: npt.ArrayLike,
    names: Sequence[str],
    *,
    min_trades: int,
) -> tuple[list[RegimeResult], int, int]:
    """Per regime name, the trades entered in it; and (k, n): profitable in k of the n regimes
    that have at least `min_trades` trades. Labels index `names`; -1 (unknown) is skipped."""
    labels = np.asarray(entry_labels, dtype=np.int64)
    r = np.asarray(returns, dtype=np.float64)
    if labels.shape != r.shape:
        raise ValueError("one regime label per trade return")
    results = []
    for index, name in enumerate(names):
        mine = r[labels == index]
        total = float(np.expm1(np.sum(np.log1p(mine)))) if len(mine) else 0.0
        results.append(RegimeResult(name, len(mine), total, total > 0, len(mine) >= min_trades))
    counted = [result for result in results if result.counted]
    return results, sum(1 for result in counted if result.profitable), len(counted)
