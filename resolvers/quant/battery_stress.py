"""The verdict tests that perturb the strategy or its data: param_jitter, cost_stress,
regime_split, lookahead (battery_tests holds the other four)."""

from __future__ import annotations

import math

import numpy as np

from resolvers.quant import robustness, stats
from resolvers.quant.battery_setup import Context, TestResult, cannot_compute, total_return
from resolvers.quant.market import REGIME_NAMES

_MAX_LISTED = 20  # differing bars listed per lookahead checkpoint


def param_jitter(ctx: Context) -> TestResult:
    """Neighbouring parameters: share profitable and median Sharpe against the base."""
    t = ctx.thresholds
    outcomes = ctx.jitter
    if not outcomes:
        return cannot_compute(
            "param_jitter", t.jitter_profitable_min, "no valid neighbouring params"
        )
    base_sharpe = stats.sharpe(ctx.bar_returns)
    share = float(np.mean([o.total_return > 0 for _, o in outcomes]))
    median = float(np.median([o.sharpe for _, o in outcomes]))
    holds = base_sharpe > 0 and median >= t.jitter_sharpe_ratio_min * base_sharpe
    ratio = median / base_sharpe if base_sharpe > 0 else math.nan
    return TestResult(
        "param_jitter",
        share,
        t.jitter_profitable_min,
        share >= t.jitter_profitable_min and holds,
        f"{share:.0%} of {len(outcomes)} neighbours within +/-{t.jitter_delta:.0%} profitable; "
        + (
            f"median Sharpe {ratio:.2f}x the base"
            if base_sharpe > 0
            else "the base Sharpe is not positive"
        ),
        {
            "samples": len(outcomes),
            "delta": t.jitter_delta,
            "base_sharpe": base_sharpe,
            "median_sharpe": median,
            "median_to_base": ratio,
            "sharpe_ratio_min": t.jitter_sharpe_ratio_min,
            "neighbours": [
                {"params": p, "total_return": o.total_return, "sharpe": o.sharpe}
                for p, o in outcomes
            ],
        },
    )


def cost_stress(ctx: Context) -> TestResult:
    """Costs times 2 and 3, and the multiple at which net return reaches zero."""
    t = ctx.thresholds
    seen: dict[float, float] = {1.0: total_return(ctx.base.equity, ctx.capital)}

    def net(multiple: float) -> float:
        if multiple not in seen:
            seen[multiple] = ctx.outcome(ctx.positions, ctx.costs.scaled(multiple)).total_return
            ctx.report(min(0.95, len(seen) / 12))
        return seen[multiple]

    stressed = {m: net(m) for m in t.cost_multiples}
    survives = net(t.survive_multiple) > 0
    even = robustness.break_even_multiple(net)
    shown = "beyond 64x costs" if math.isinf(even) else f"{even:.2f}x costs"
    if even == 0:
        shown = "none: no profit even without costs"
    return TestResult(
        "cost_stress",
        even,
        t.break_even_min,
        survives and even >= t.break_even_min,
        f"net return {seen[t.survive_multiple]:+.1%} at {t.survive_multiple:g}x costs; "
        f"break-even at {shown}",
        {
            "base_return": seen[1.0],
            "returns_at": {f"{m:g}x": value for m, value in stressed.items()},
            "survive_multiple": t.survive_multiple,
            "break_even_multiple": even,
            "fee_rate": ctx.costs.fee_rate,
            "slippage_bps": ctx.costs.slippage_bps,
        },
    )


def regime_split(ctx: Context) -> TestResult:
    """Trades by the regime they were entered in: profitable in k of n regimes."""
    t = ctx.thresholds
    labels, source = ctx.labels
    trades = ctx.base.trades
    # The regime known when the entry was decided: the close before the filling open.
    decided = trades.entry_index[trades.closed] - 1
    results, k, n = robustness.regime_split(
        labels[decided], ctx.trade_returns, REGIME_NAMES, min_trades=t.regime_min_trades
    )
    share = k / n if n else math.nan
    passed = n >= t.regime_min_count and k >= math.ceil(t.regime_share_min * n - 1e-9)
    reason = f"profitable in {k} of {n} regimes with at least {t.regime_min_trades} trades each"
    if n < t.regime_min_count:
        reason += f" (at least {t.regime_min_count} such regimes are needed)"
    return TestResult(
        "regime_split",
        share,
        t.regime_share_min,
        passed,
        reason,
        {
            "source": source,
            "profitable": k,
            "counted": n,
            "min_trades": t.regime_min_trades,
            "min_regimes": t.regime_min_count,
            "regimes": [
                {
                    "regime": r.regime,
                    "trades": r.trades,
                    "total_return": r.total_return,
                    "profitable": r.profitable,
                    "counted": r.counted,
                }
                for r in results
            ],
        },
    )


def lookahead(ctx: Context) -> TestResult:
    """Signals on truncated history must reproduce the full history's positions before it."""
    t = ctx.thresholds
    bars = len(ctx.candles)
    count = t.lookahead_checkpoints
    checkpoints = sorted({max(1, bars * (i + 1) // (count + 1)) for i in range(count)})
    differing: set[int] = set()
    found = []
    for done, stop in enumerate(checkpoints, 1):
        early = ctx.signals(ctx.candles.window(0, stop), ctx.params)
        moved = np.flatnonzero(early != ctx.positions[:stop])
        differing.update(moved.tolist())
        found.append({"stop": stop, "differing": len(moved), "bars": moved[:_MAX_LISTED].tolist()})
        ctx.report(0.95 * done / len(checkpoints))
    first = min(differing) if differing else None
    return TestResult(
        "lookahead",
        float(len(differing)),
        0.0,
        not differing,
        f"positions match on every truncated history ({len(checkpoints)} cut points)"
        if not differing
        else f"{len(differing)} bars change when later data is removed (first at bar {first})",
        {"checkpoints": found, "differing_bars": len(differing), "first_differing_bar": first},
    )
