"""The verdict tests on the base backtest's own returns: sample_size, statistical_significance,
walk_forward, monte_carlo. Each is a function of the shared Context (battery_setup) returning
a TestResult; battery_stress holds the four that perturb the strategy or its data."""

from __future__ import annotations

import math

import numpy as np

from resolvers.quant import robustness, stats
from resolvers.quant.battery_setup import Context, TestResult, cannot_compute

# A trade losing all its notional (or more, for a short) ruins the compounded path; just
# above -100% keeps the logarithm finite and the drawdown at (almost) 1.
_RUIN = -1.0 + 1e-9


def sample_size(ctx: Context) -> TestResult:
    """Enough closed trades, and enough bars for the minimum track record length."""
    t = ctx.thresholds
    trades = len(ctx.trade_returns)
    m = stats.moments(ctx.bar_returns)
    min_trl = stats.min_track_record(m.sharpe, m.skew, m.kurtosis, alpha=t.min_trl_alpha)
    enough_trades, enough_bars = trades >= t.min_trades, m.n >= min_trl
    if not enough_trades:
        reason = f"only {trades} closed trades; at least {t.min_trades} are needed"
    elif math.isinf(min_trl):
        reason = "the Sharpe ratio is not positive, so no track record is long enough"
    elif not enough_bars:
        reason = f"{m.n} bars fall short of the minimum track record of {math.ceil(min_trl)}"
    else:
        reason = f"{trades} closed trades and {m.n} bars cover the minimum track record of "
        reason += f"{math.ceil(min_trl)} bars"
    return TestResult(
        "sample_size",
        float(trades),
        float(t.min_trades),
        enough_trades and enough_bars,
        reason,
        {
            "trades": trades,
            "min_trades": t.min_trades,
            "bars": m.n,
            "min_track_record_bars": min_trl,
            "alpha": t.min_trl_alpha,
            "sharpe": m.sharpe,
            "skew": m.skew,
            "kurtosis": m.kurtosis,
        },
    )


def statistical_significance(ctx: Context) -> TestResult:
    """t-statistic, PSR(0) and the deflated Sharpe over the counted trials, gated at 0.95."""
    t = ctx.thresholds
    m = stats.moments(ctx.bar_returns)
    others = [s for s in ctx.trial_sharpes if math.isfinite(s)]
    variance = float(np.var(others, ddof=1)) if len(others) >= 2 else None
    trials = max(ctx.trials, len(others))
    p = stats.psr(m.sharpe, m.n, m.skew, m.kurtosis)
    d, sr0 = stats.dsr(m.sharpe, m.n, m.skew, m.kurtosis, trials=trials, variance=variance)
    passed = p >= t.significance and d >= t.significance
    reason = f"DSR {d:.3f} and PSR(0) {p:.3f} against {t.significance} after {trials} trials"
    return TestResult(
        "statistical_significance",
        d,
        t.significance,
        passed,
        reason + f" (t = {m.sharpe * math.sqrt(m.n):.2f})",
        {
            "t_statistic": m.sharpe * math.sqrt(m.n),
            "psr": p,
            "dsr": d,
            "sharpe": m.sharpe,
            "expected_max_sharpe": sr0,
            "trials": trials,
            "trial_sharpe_variance": variance,
            "variance_source": "trials" if variance is not None else "estimator",
            "observations": m.n,
            "skew": m.skew,
            "kurtosis": m.kurtosis,
        },
    )


def walk_forward(ctx: Context) -> TestResult:
    """Rolling folds; each in-sample window picks the best of base and jitter parameters."""
    t = ctx.thresholds
    folds = robustness.walk_forward_folds(len(ctx.candles), t.folds)
    candidates = [(ctx.params, ctx.base.equity)] + [
        (params, outcome.equity) for params, outcome in ctx.jitter if outcome.equity is not None
    ]
    result = robustness.walk_forward(
        np.vstack([equity for _, equity in candidates]),
        folds,
        bars_per_year=ctx.bars_per_year,
        capital=ctx.capital,
    )
    efficiency, share = result.efficiency, result.profitable_share
    passed = efficiency >= t.wfe_min and share >= t.profitable_folds_min
    wins = round(share * len(folds))
    wfe = "undefined (no in-sample profit)" if math.isnan(efficiency) else f"{efficiency:.2f}"
    return TestResult(
        "walk_forward",
        efficiency,
        t.wfe_min,
        bool(passed),
        f"efficiency {wfe}, {wins} of {len(folds)} out-of-sample folds profitable",
        {
            "efficiency": efficiency,
            "profitable_share": share,
            "profitable_folds_min": t.profitable_folds_min,
            "candidates": len(candidates),
            "folds": [
                {
                    "in_sample": [f.is_start, f.is_stop],
                    "out_of_sample": [f.oos_start, f.oos_stop],
                    "params": candidates[chosen][0],
                    "in_sample_rate": rate_in,
                    "out_of_sample_rate": rate_out,
                }
                for f, chosen, rate_in, rate_out in zip(
                    folds, result.chosen, result.in_sample, result.out_of_sample, strict=True
                )
            ],
        },
    )


def monte_carlo(ctx: Context) -> TestResult:
    """iid and stationary bootstraps of trade returns: p95 max drawdown, probability of loss."""
    t = ctx.thresholds
    growth = np.maximum(ctx.trade_returns * ctx.fraction, _RUIN)
    if len(growth) < 2:
        return cannot_compute("monte_carlo", t.drawdown_p95_max, "fewer than 2 closed trades")
    block = t.block_length or max(1.0, float(round(len(growth) ** (1 / 3))))
    rng = ctx.rng("monte_carlo")
    runs = {
        "iid": stats.bootstrap_returns(growth, samples=t.bootstrap_samples, seed=rng),
        "stationary": stats.bootstrap_returns(
            growth, samples=t.bootstrap_samples, seed=rng, block=block
        ),
    }
    drawdown = max(b.drawdown_p95 for b in runs.values())
    loss = max(b.loss_probability for b in runs.values())
    passed = drawdown <= t.drawdown_p95_max and loss <= t.loss_probability_max
    return TestResult(
        "monte_carlo",
        drawdown,
        t.drawdown_p95_max,
        passed,
        f"p95 max drawdown {drawdown:.1%} (limit {t.drawdown_p95_max:.0%}), probability of "
        f"loss {loss:.1%} (limit {t.loss_probability_max:.0%})",
        {
            "trades": len(growth),
            "samples": t.bootstrap_samples,
            "block_length": block,
            "loss_probability": loss,
            "loss_probability_max": t.loss_probability_max,
            **{
                name: {"drawdown_p95": b.drawdown_p95, "loss_probability": b.loss_probability}
                for name, b in runs.items()
            },
        },
    )
