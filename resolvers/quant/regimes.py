"""A causal market-regime detector: labels every bar trend_up, trend_down, range or volatile
from the bars up to it, and confirms regime changes only after they persist.

Features over a window of `n` bars of log closes:
- efficiency ratio: |net move| / sum of |bar moves|, in [0, 1] (1 = a straight line);
- direction: the sign of the net move;
- volatility ratio: the stdev of bar returns over the window against its rolling median over
  `baseline` bars, so "volatile" is relative to the market's own recent normal.

Rule, in order: a volatility ratio above `vol_ratio` is volatile; else an efficiency ratio
above `efficiency` is a trend in the move's direction; else range. Bars before the features
exist (about 2n bars) are UNKNOWN (-1). The labels use the generator's names
(market.REGIME_NAMES), so the detector is checked against the synthetic market's own regimes
(tests/resolvers/quant).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from resolvers.quant.market import RANGE, REGIME_NAMES, TREND_DOWN, TREND_UP, VOLATILE

UNKNOWN = -1
Labels = npt.NDArray[np.int8]


@dataclass(frozen=True)
class RegimeParams:
    n: int = 24  # feature window in bars
    baseline: int = 240  # bars of volatility history that define "normal"
    efficiency: float = 0.22
    vol_ratio: float = 1.3
    persist: int = 3  # bars a new label must hold before a change is confirmed

    def __post_init__(self) -> None:
        if self.n < 2 or self.baseline < self.n or self.persist < 1:
            raise ValueError("need n >= 2, baseline >= n and persist >= 1")
        if not (0 < self.efficiency < 1 and self.vol_ratio > 0):
            raise ValueError("efficiency must be in (0, 1) and vol_ratio positive")


@dataclass(frozen=True)
class RegimeChange:
    index: int  # the bar at which the change was confirmed
    previous: str | None  # None for the first confirmed regime
    current: str


def label_regimes(close: npt.ArrayLike, params: RegimeParams | None = None) -> Labels:
    """One label per bar (an index into REGIME_NAMES, or UNKNOWN), from bars 0..i only."""
    p = params or RegimeParams()
    with np.errstate(divide="ignore", invalid="ignore"):  # refused just below
        log_close = np.log(np.asarray(close, dtype=np.float64))
    if log_close.ndim != 1 or not np.isfinite(log_close).all():
        raise ValueError("close must be a one-dimensional array of positive prices")
    steps = pd.Series(np.diff(log_close, prepend=log_close[:1]))
    net = pd.Series(log_close).diff(p.n)
    path = steps.abs().rolling(p.n).sum()
    efficiency = (net.abs() / path).where(path > 0, 0.0)
    vol = steps.rolling(p.n).std(ddof=0)
    normal = vol.rolling(p.baseline, min_periods=p.n).median()
    # a market that has not moved at all over the baseline is calm, not undefined
    ratio = (vol / normal).where(normal > 0, 1.0).where(normal.notna())
    labels = np.full(len(log_close), UNKNOWN, dtype=np.int8)
    known = (net.notna() & ratio.notna()).to_numpy()
    eff, up, hot = efficiency.to_numpy(), (net > 0).to_numpy(), (ratio > p.vol_ratio).to_numpy()
    trending = known & (eff > p.efficiency)
    labels[known] = RANGE
    labels[trending & up] = TREND_UP
    labels[trending & ~up] = TREND_DOWN
    labels[known & hot] = VOLATILE
    return labels


def regime_changes(labels: Labels, persist: int = RegimeParams.persist) -> list[RegimeChange]:
    """Confirmed changes: a label counts once it has held for `persist` bars in a row, so a
    single noisy bar never flips the regime."""
    changes: list[RegimeChange] = []
    current: int | None = None
    run_label, run = UNKNOWN, 0
    for index, label in enumerate(labels.tolist()):
        run = run + 1 if label == run_label else 1
        run_label = label
        if label != UNKNOWN and label != current and run >= persist:
            previous = REGIME_NAMES[current] if current is not None else None
            changes.append(RegimeChange(index, previous, REGIME_NAMES[label]))
            current = label
    return changes
