"""The verdict battery's statistics of a return series: Sharpe and its t-statistic, the
probabilistic and deflated Sharpe ratios, the minimum track record length, and bootstraps of
trade returns. Pure synchronous numpy and stdlib, no I/O.

Conventions (Bailey & Lopez de Prado, "The Sharpe Ratio Efficient Frontier", Journal of Risk
15(2), 2012, and "The Deflated Sharpe Ratio", Journal of Portfolio Management 40(5), 2014):
- every Sharpe ratio is per period (per trade or per bar, as given), never annualized, with no
  risk-free rate: SR = mean / sd, sd with ddof=1;
- skewness g3 = m3 / m2^1.5 and kurtosis g4 = m4 / m2^2 from the central moments m_k (the
  population estimators the papers' formulas take); g4 is NOT excess kurtosis, a normal has 3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
EULER_GAMMA = 0.5772156649015329  # Euler-Mascheroni constant, as in the DSR's SR0
_Z = NormalDist()
_CHUNK = 1 << 17  # resampled draws per bootstrap chunk


@dataclass(frozen=True)
class Moments:
    """The sample statistics PSR, DSR and MinTRL are built from."""

    n: int
    mean: float
    sd: float  # ddof=1
    skew: float  # g3
    kurtosis: float  # g4, non-excess
    sharpe: float


def _series(returns: npt.ArrayLike, minimum: int = 2) -> FloatArray:
    values = np.asarray(returns, dtype=np.float64)
    if values.ndim != 1 or len(values) < minimum:
        raise ValueError(f"need a one-dimensional series of at least {minimum} returns")
    if not np.isfinite(values).all():
        raise ValueError("returns must be finite")
    return values


def moments(returns: npt.ArrayLike) -> Moments:
    """Mean, sd (ddof=1), skewness, kurtosis and Sharpe; a constant series has SR 0, g3 0, g4 3."""
    x = _series(returns)
    n, mean = len(x), float(x.mean())
    dev = x - mean
    square = dev * dev  # products, not **: float powers are many times slower on long series
    m2 = float(np.mean(square))
    sd = math.sqrt(m2 * n / (n - 1))
    if m2 <= 1e-300:
        # No dispersion: the normal's moments keep the PSR denominator defined and neutral.
        return Moments(n, mean, 0.0, 0.0, 3.0, 0.0)
    skew = float(np.mean(square * dev)) / m2**1.5
    kurtosis = float(np.mean(square * square)) / m2**2
    return Moments(n, mean, sd, skew, kurtosis, mean / sd)


def sharpe(returns: npt.ArrayLike) -> float:
    """Per-period Sharpe ratio mean / sd (ddof=1), no risk-free rate; 0 for a constant series."""
    x = _series(returns)
    sd = float(np.std(x, ddof=1))
    return float(x.mean()) / sd if sd > 1e-150 else 0.0


def t_statistic(returns: npt.ArrayLike) -> float:
    """t-statistic of the mean return against 0: mean / (sd / sqrt(n)) = SR * sqrt(n)."""
    m = moments(returns)
    return m.sharpe * math.sqrt(m.n)


def sharpe_variance(sr: float, n: int, skew: float, kurtosis: float) -> float:
    """Asymptotic variance of the SR estimator (Mertens 2002; Bailey & Lopez de Prado
    2012): (1 - g3 SR + (g4 - 1) / 4 SR^2) / (n - 1)."""
    if n < 2:
        raise ValueError("need at least 2 observations")
    return _dispersion(sr, skew, kurtosis) / (n - 1)


def _dispersion(sr: float, skew: float, kurtosis: float) -> float:
    value = 1.0 - skew * sr + (kurtosis - 1.0) / 4.0 * sr**2
    # Positive for any real distribution (g4 >= 1 + g3^2); guard garbage moments anyway.
    if not value > 0:
        raise ValueError("moments give a non-positive Sharpe variance (kurtosis too low?)")
    return value


def psr(sr: float, n: int, skew: float, kurtosis: float, benchmark: float = 0.0) -> float:
    """Probabilistic Sharpe ratio PSR(SR*) (Bailey & Lopez de Prado 2012):
    Z[(SR - SR*) sqrt(n - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR^2)], the probability that the
    true Sharpe exceeds the benchmark SR* given n observations with these moments."""
    if n < 2:
        raise ValueError("need at least 2 observations")
    z = (sr - benchmark) * math.sqrt(n - 1) / math.sqrt(_dispersion(sr, skew, kurtosis))
    return _Z.cdf(z)


def expected_max_sharpe(trials: int, variance: float) -> float:
    """SR0, the expected maximum Sharpe of `trials` unskilled trials (Bailey & Lopez de Prado
    2014): sqrt(V) ((1 - gamma) Z^-1[1 - 1/N] + gamma Z^-1[1 - 1/(N e)]); 0 for N = 1."""
    if trials < 1:
        raise ValueError("trials must be at least 1")
    if not (variance >= 0 and math.isfinite(variance)):
        raise ValueError("variance must be finite and non-negative")
    if trials == 1:
        # One trial has no selection to deflate for; Z^-1[0] would be -inf.
        return 0.0
    g = EULER_GAMMA
    spread = (1 - g) * _Z.inv_cdf(1 - 1 / trials) + g * _Z.inv_cdf(1 - 1 / (trials * math.e))
    return math.sqrt(variance) * spread


def dsr(
    sr: float,
    n: int,
    skew: float,
    kurtosis: float,
    *,
    trials: int,
    variance: float | None = None,
) -> tuple[float, float]:
    """Deflated Sharpe ratio and its benchmark: (PSR(SR0), SR0) (Bailey & Lopez de Prado 2014).

    `variance` is V[SR_n], the variance of the trials' Sharpe ratios. Unknown (None), it is the
    asymptotic variance of this strategy's own SR estimator, sharpe_variance(sr, n, g3, g4):
    the spread unskilled trials of this length and shape would show by noise alone, a neutral
    stand-in when the other trials' Sharpes were not kept."""
    if variance is None:
        variance = sharpe_variance(sr, n, skew, kurtosis)
    benchmark = expected_max_sharpe(trials, variance)
    return psr(sr, n, skew, kurtosis, benchmark), benchmark


def min_track_record(
    sr: float, skew: float, kurtosis: float, benchmark: float = 0.0, alpha: float = 0.05
) -> float:
    """Minimum track record length MinTRL (Bailey & Lopez de Prado 2012):
    1 + (1 - g3 SR + (g4 - 1) / 4 SR^2) (Z_alpha / (SR - SR*))^2 observations for the SR to
    exceed SR* with confidence 1 - alpha; inf when SR <= SR*."""
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    if sr <= benchmark:
        return math.inf
    z_alpha = _Z.inv_cdf(1 - alpha)
    return 1 + _dispersion(sr, skew, kurtosis) * (z_alpha / (sr - benchmark)) ** 2


def bootstrap_indices(
    n: int, samples: int, rng: np.random.Generator, *, block: float | None = None
) -> npt.NDArray[np.int64]:
    """A (samples, n) matrix of resampled positions into a series of length n.

    block None: the iid bootstrap (Efron 1979), every draw independent and uniform. block L:
    the stationary bootstrap (Politis & Romano 1994), blocks of consecutive positions starting
    anywhere, wrapping circularly, with geometric lengths of mean L (a new block starts with
    probability 1/L at each step), so serial dependence of length about L survives resampling.
    """
    if n < 1 or samples < 1:
        raise ValueError("need n >= 1 and samples >= 1")
    if block is None:
        return rng.integers(0, n, size=(samples, n))
    if not block >= 1:
        raise ValueError("mean block length must be at least 1")
    # Flattened row after row, every row opening a block: position p of block b (begun at
    # flat position s_b with a uniform start u_b) is (u_b + p - s_b) mod n. Drawing starts
    # only for the blocks, and indexing per block, keeps the work near one pass over the
    # matrix.
    new = rng.random((samples, n)) < 1.0 / block
    new[:, 0] = True
    flat = new.ravel()
    begun = np.flatnonzero(flat)
    starts = rng.integers(0, n, size=len(begun))
    which = np.cumsum(flat) - 1
    offset = np.arange(flat.size) - begun[which]
    positions = starts[which] + offset  # below 2n: a block never outgrows its row
    positions[positions >= n] -= n
    return np.asarray(positions.reshape(samples, n), dtype=np.int64)


@dataclass(frozen=True)
class Bootstrap:
    """Distribution of compounded trade-return paths over resamples."""

    samples: int
    max_drawdowns: FloatArray  # per resample, a fraction in [0, 1]
    total_returns: FloatArray  # per resample, prod(1 + r) - 1
    drawdown_p95: float
    loss_probability: float  # share of resamples whose total return < 0


def path_stats(paths: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Per row of trade returns: max drawdown and total return of the compounded path
    1, (1 + r1), (1 + r1)(1 + r2), ... (the starting 1 is the first peak)."""
    r = np.atleast_2d(np.asarray(paths, dtype=np.float64))
    if (r <= -1).any():
        raise ValueError("a trade return of -100% or worse leaves no path to compound")
    return _log_path_stats(np.log1p(r))


def _log_path_stats(logs: FloatArray) -> tuple[FloatArray, FloatArray]:
    # In log space: the deepest fall below the running peak, exponentiated once per row.
    log_equity = np.cumsum(logs, axis=1)
    peaks = np.maximum(np.maximum.accumulate(log_equity, axis=1), 0.0)
    deepest = np.max(peaks - log_equity, axis=1)
    return -np.expm1(-deepest), np.expm1(log_equity[:, -1])


def bootstrap_returns(
    returns: npt.ArrayLike,
    *,
    samples: int,
    seed: int | np.random.Generator,
    block: float | None = None,
    quantile: float = 0.95,
) -> Bootstrap:
    """Resample trade returns (iid, or stationary with mean block `block`; see
    bootstrap_indices): the `quantile` of max drawdown and the probability of a loss."""
    r = _series(returns, minimum=1)
    if (r <= -1).any():
        raise ValueError("a trade return of -100% or worse leaves no path to compound")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    # Logs once per trade, not once per resampled draw; and resamples in chunks of about
    # _CHUNK draws, so the several temporaries of a chunk stay in cache (2-3x faster on
    # thousands of trades than one samples x n matrix).
    logs = np.log1p(r)
    rows = max(1, _CHUNK // len(r))
    parts = [
        _log_path_stats(
            logs[bootstrap_indices(len(r), min(rows, samples - first), rng, block=block)]
        )
        for first in range(0, samples, rows)
    ]
    drawdowns = np.concatenate([part[0] for part in parts])
    totals = np.concatenate([part[1] for part in parts])
    return Bootstrap(
        samples=samples,
        max_drawdowns=drawdowns,
        total_returns=totals,
        drawdown_p95=float(np.quantile(drawdowns, quantile)),
        loss_probability=float(np.mean(totals < 0)),
    )
