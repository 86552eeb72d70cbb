"""GUIDE: what each verdict test does, what it is gated on, and where the method comes from."""

from __future__ import annotations

from typing import Any

from resolvers.quant.battery_setup import TEST_NAMES, BatteryThresholds

_METHODS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], str]] = {
    # name: (method, threshold fields, parameter fields, reference)
    "sample_size": (
        "Counts the base backtest's closed trades and computes the minimum track record length "
        "of its per-bar equity returns, 1 + (1 - g3 SR + (g4 - 1)/4 SR^2)(Z_alpha / SR)^2 bars "
        "for the Sharpe ratio SR (skewness g3, non-excess kurtosis g4) to be positive with "
        "confidence 1 - alpha. Passes with at least min_trades trades and at least MinTRL bars.",
        ("min_trades",),
        ("min_trl_alpha",),
        "Bailey & Lopez de Prado (2012), The Sharpe Ratio Efficient Frontier, J. of Risk 15(2)",
    ),
    "statistical_significance": (
        "On per-bar equity returns: the t-statistic SR sqrt(n); the probabilistic Sharpe ratio "
        "PSR(0) = Z[SR sqrt(n - 1) / sqrt(1 - g3 SR + (g4 - 1)/4 SR^2)]; and the deflated "
        "Sharpe ratio DSR = PSR(SR0), SR0 = sqrt(V)((1 - gamma) Z^-1[1 - 1/N] + gamma "
        "Z^-1[1 - 1/(N e)]) with N the trials counted for the hypothesis and family and V the "
        "variance of their Sharpe ratios (the SR estimator's own variance when fewer than two "
        "are known). Passes when PSR(0) and DSR both reach the significance level.",
        ("significance",),
        (),
        "Bailey & Lopez de Prado (2012) PSR; Bailey & Lopez de Prado (2014), The Deflated "
        "Sharpe Ratio, J. of Portfolio Management 40(5)",
    ),
    "walk_forward": (
        "Cuts the bars into folds + 1 equal segments; fold i trains on segment i - 1 and tests "
        "on segment i (rolling). In each training window the candidate (the base parameters "
        "or one of the param_jitter neighbours) with the best annualized log return is chosen "
        "and scored on the next window. Walk-forward efficiency = mean annualized "
        "out-of-sample return / mean annualized in-sample return of the chosen candidates. "
        "Passes when the efficiency and the share of profitable out-of-sample folds reach "
        "their minimums.",
        ("wfe_min", "profitable_folds_min"),
        ("folds", "jitter_samples", "jitter_delta"),
        "Pardo (2008), The Evaluation and Optimization of Trading Strategies, 2nd ed.",
    ),
    "monte_carlo": (
        "Resamples the closed trades' returns (times the sizing fraction, as the equity "
        "compounds them) bootstrap_samples times, once iid and once with the stationary "
        "bootstrap (geometric blocks of mean block_length, n^(1/3) trades by default), "
        "compounds each path, and takes the worse of the two for the 95th percentile of max "
        "drawdown and for the probability that the path ends below its start.",
        ("drawdown_p95_max", "loss_probability_max"),
        ("bootstrap_samples", "block_length"),
        "Efron (1979), Bootstrap Methods, Ann. Statist. 7(1); Politis & Romano (1994), The "
        "Stationary Bootstrap, JASA 89(428)",
    ),
    "param_jitter": (
        "Draws jitter_samples parameter sets, each numeric parameter uniform within +/- "
        "jitter_delta of its value (of its span when it is 0), clipped to its bounds, rounded "
        "for integers, re-drawn when the family's cross-parameter check refuses it; backtests "
        "each. Passes when the share of profitable neighbours and their median Sharpe as a "
        "multiple of the base Sharpe reach their minimums.",
        ("jitter_profitable_min", "jitter_sharpe_ratio_min"),
        ("jitter_samples", "jitter_delta"),
        "Pardo (2008), The Evaluation and Optimization of Trading Strategies, 2nd ed. "
        "(robust parameter regions over isolated optima)",
    ),
    "cost_stress": (
        "Re-runs the base positions with fees and slippage scaled by each of cost_multiples, "
        "and finds the multiple at which the net return reaches zero (bracketed Illinois "
        "regula falsi on [0, 64]; infinite beyond). Passes when the strategy is still "
        "profitable at survive_multiple and the break-even multiple reaches break_even_min.",
        ("survive_multiple", "break_even_min"),
        ("cost_multiples",),
        "Novy-Marx & Velikov (2016), A Taxonomy of Anomalies and Their Trading Costs, "
        "Review of Financial Studies 29(1) (break-even costs)",
    ),
    "regime_split": (
        "Labels every bar's regime (trend_up, trend_down, range, volatile: the data's own "
        "labels, or resolvers/quant/regimes.label_regimes from closes) and groups closed "
        "trades by the regime of the bar that decided their entry. Regimes with at least "
        "regime_min_trades trades count; passes when at least regime_min_count regimes count "
        "and a share regime_share_min of them is profitable (compounded trade returns > 0).",
        ("regime_share_min", "regime_min_trades", "regime_min_count"),
        (),
        "Kaufman (2013), Trading Systems and Methods, 5th ed. (efficiency ratio); Hamilton "
        "(1989), Econometrica 57(2) (regime switching)",
    ),
    "lookahead": (
        "Recomputes the family's positions on the history truncated at lookahead_checkpoints "
        "evenly spaced bars t; every position at a bar before t must equal the one computed "
        "on the full history. Any bar that changes means the signal used data from after it. "
        "Passes when no bar differs.",
        (),
        ("lookahead_checkpoints",),
        "Lopez de Prado (2018), Advances in Financial Machine Learning, ch. 11 (look-ahead "
        "bias); the truncation check is this project's own",
    ),
}


def guide(thresholds: BatteryThresholds | None = None) -> list[dict[str, Any]]:
    """One entry per test: name, method, thresholds and parameters with values, reference."""
    t = thresholds or BatteryThresholds()
    entries = []
    for name in TEST_NAMES:
        method, gates, parameters, reference = _METHODS[name]
        entries.append(
            {
                "name": name,
                "method": method,
                "thresholds": {gate: getattr(t, gate) for gate in gates},
                "parameters": {parameter: getattr(t, parameter) for parameter in parameters},
                "reference": reference,
            }
        )
    return entries


GUIDE: list[dict[str, Any]] = guide()
