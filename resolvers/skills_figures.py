"""The arithmetic of skill performance: per-trade returns, rolling Sharpe, the declining rule.

Pure and synchronous (no I/O): resolvers/skills.py loads the rows and builds the views.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

SECONDS_PER_YEAR = 365.25 * 24 * 3600


@dataclass(frozen=True, slots=True)
class DecliningThresholds:
    """The declining rule's numbers.

    A skill declines in a phase (paper or live) when it has at least `min_trades` closed
    trades there and the annualized Sharpe of its last `window` closed trades' returns is
    below its backtest expectation (the median annualized Sharpe of its trials) by more than
    `margin`. Defaults: 30 trades in the window, 20 at least, a margin of 1.0 Sharpe.
    """

    window: int = 30
    min_trades: int = 20
    margin: float = 1.0

    def describe(self) -> str:
        """The rule in one sentence, with its numbers."""
        return (
            f"declining: at least {self.min_trades} closed paper or live trades, and the "
            f"annualized Sharpe of the last {self.window} closed trades' returns below the "
            f"median annualized backtest Sharpe of the skill's trials by more than {self.margin:g}"
        )


DEFAULT_THRESHOLDS = DecliningThresholds()


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    """What the figures need of one closed trade."""

    pnl: float
    notional: float  # entry price x size: the capital the return is measured against
    closed_at: datetime

    @property
    def ret(self) -> float:
        """The trade's return on its notional (0 when the notional is not positive)."""
        return self.pnl / self.notional if self.notional > 0 else 0.0


def median(values: Sequence[float]) -> float | None:
    """The median, None for no values."""
    return float(statistics.median(values)) if values else None


def trade_sharpe(trades: Sequence[ClosedTrade]) -> float | None:
    """Annualized Sharpe of per-trade returns: mean / sample std x sqrt(trades per year), the
    rate being (n - 1) trades over the span from the first close to the last. None for fewer
    than two trades, no spread of returns or no elapsed time."""
    if len(trades) < 2:
        return None
    returns = [t.ret for t in trades]
    spread = statistics.stdev(returns)
    span = (trades[-1].closed_at - trades[0].closed_at).total_seconds()
    if spread == 0 or span <= 0:
        return None
    per_year = (len(trades) - 1) / (span / SECONDS_PER_YEAR)
    return statistics.fmean(returns) / spread * math.sqrt(per_year)


def shortfall(rolling: float | None, expectation: float | None) -> float | None:
    """How far the rolling Sharpe falls under the expectation (None when either is unknown)."""
    if rolling is None or expectation is None:
        return None
    return expectation - rolling


def is_declining(
    *, closed: int, rolling: float | None, expectation: float | None, rule: DecliningThresholds
) -> bool:
    """The declining rule (DecliningThresholds says it in words)."""
    gap = shortfall(rolling, expectation)
    return closed >= rule.min_trades and gap is not None and gap > rule.margin
