"""The backtest engine against a plain numpy reference and vectorbt: a moving-average cross.

Usage: .venv/bin/python bench/engine.py [--bars 1000000] [--repeats 7]
Seeded synthetic 1-minute BTC-USD bars (resolvers/quant/market.generate_candles, not timed); MA
cross fast 10 / slow 30, fixed size of 0.1 BTC, the engine's default costs (10 bps fee, 5 bps
slippage), fills at the next bar's open. Each contender goes from prices to trades and equity:
- engine: resolvers/quant/engine.backtest (family signals, validation, Trades, equity).
- reference: the same in plain numpy written for this one strategy (cumsum moving averages,
  forward-filled crosses, fills at the next open, a difference-array equity); asserted to give
  the same trades and equity as the engine before anything is timed.
- vectorbt (when it imports; `pip install -e '.[bench]'`): its MA indicator and
  Portfolio.from_signals at the next bar's open with the same costs and size.
Median of --repeats runs after a warm-up (vectorbt's numba compiles then). Goals (issue 14):
engine <= 1.5x the reference, and faster than vectorbt.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from resolvers.quant.engine import Costs, Run, backtest  # noqa: E402
from resolvers.quant.market import Candles, generate_candles  # noqa: E402

FAST, SLOW = 10, 30
SIZE = 0.1
CAPITAL = 100_000.0
COSTS = Costs()
GOAL_RATIO = 1.5
FloatArray = npt.NDArray[np.float64]


def candles(bars: int) -> Candles:
    """The benchmark's market: seeded 1-minute bars."""
    return generate_candles(
        symbol="BTC-USD",
        seed=11,
        start=datetime(2025, 1, 1, tzinfo=UTC),
        periods=bars,
        interval=timedelta(minutes=1),
    )


def engine(market: Candles) -> Run:
    """The contender: the project's engine, family signals included."""
    params = {"fast": FAST, "slow": SLOW}
    return backtest(market, "ma_cross", params, capital=CAPITAL, costs=COSTS, size=SIZE)


def _sma(close: FloatArray, n: int) -> FloatArray:
    sums = np.cumsum(np.concatenate(([0.0], close)))
    out = np.full(len(close), np.nan)
    out[n - 1 :] = (sums[n:] - sums[:-n]) / n
    return out


def reference(market: Candles) -> dict[str, FloatArray]:
    """MA cross, next-open fills, fees, slippage and equity in plain numpy."""
    close, open_ = market.close, market.open
    fast, slow = _sma(close, FAST), _sma(close, SLOW)
    # The side of the last strict cross holds until the opposite one (flat before any).
    side = np.where(fast > slow, 1.0, np.where(fast < slow, -1.0, np.nan))
    known = np.maximum.accumulate(np.where(np.isnan(side), 0, np.arange(len(side))))
    target = np.nan_to_num(side[known]).astype(np.int8)
    held = np.concatenate(([0], target[:-1])).astype(np.int8)
    changes = np.flatnonzero(np.diff(held)) + 1
    enter = changes[held[changes] != 0]
    direction = held[enter].astype(np.float64)
    after = np.searchsorted(changes, enter, side="right")
    closed = after < len(changes)
    leave = changes[after[closed]]
    slip, fee = COSTS.slippage_bps / 10_000, COSTS.fee_rate
    entry_price = open_[enter] * (1 + slip * direction)
    exit_price = open_[leave] * (1 - slip * direction[closed])
    entry_fee = entry_price * SIZE * fee
    fees = entry_fee.copy()
    fees[closed] += exit_price * SIZE * fee
    pnl = (exit_price - entry_price[closed]) * SIZE * direction[closed] - fees[closed]
    bars = len(close)
    units, basis, realized = np.zeros(bars), np.zeros(bars), np.zeros(bars)
    units[enter] = direction * SIZE
    units[leave] -= direction[closed] * SIZE
    cost = -direction * SIZE * entry_price - entry_fee
    basis[enter] = cost
    basis[leave] -= cost[closed]
    realized[leave] = pnl
    equity = CAPITAL + np.cumsum(realized) + np.cumsum(units) * close + np.cumsum(basis)
    return {
        "entry_index": enter,
        "exit_index": leave,
        "entry_price": entry_price,
        "exit_price": exit_price,
        "pnl": pnl,
        "equity": equity,
    }


def assert_same(result: Run, expected: dict[str, FloatArray]) -> None:
    """The engine and the reference agree on every trade and the whole equity curve."""
    t = result.trades
    closed = t.closed
    np.testing.assert_array_equal(t.entry_index, expected["entry_index"])
    np.testing.assert_array_equal(t.exit_index[closed], expected["exit_index"])
    np.testing.assert_array_equal(t.entry_price, expected["entry_price"])
    np.testing.assert_array_equal(t.exit_price[closed], expected["exit_price"])
    np.testing.assert_allclose(t.pnl[closed], expected["pnl"], rtol=1e-12)
    np.testing.assert_allclose(result.equity, expected["equity"], rtol=1e-12)


def vectorbt_contender() -> tuple[Callable[[Candles], Any] | None, str]:
    """vectorbt's MA cross through Portfolio.from_signals, or None and why not."""
    try:
        import pandas as pd
        import vectorbt as vbt
    except ImportError as exc:
        return None, f"vectorbt does not import ({exc}); pip install -e '.[bench]'"

    def run_vectorbt(market: Candles) -> Any:
        close = pd.Series(market.close)
        fast = vbt.MA.run(close, FAST).ma
        slow = vbt.MA.run(close, SLOW).ma
        # Signals at a close fill at the next bar's open, as in the engine.
        long = (fast > slow).shift(1, fill_value=False)
        short = (fast < slow).shift(1, fill_value=False)
        return vbt.Portfolio.from_signals(
            close,
            entries=long,
            short_entries=short,
            price=pd.Series(market.open),
            size=SIZE,
            size_type="amount",
            fees=COSTS.fee_rate,
            slippage=COSTS.slippage_bps / 10_000,
            init_cash=CAPITAL,
            freq="1min",
        )

    return run_vectorbt, "Portfolio.from_signals"


def timed(work: Callable[[Candles], Any], market: Candles, repeats: int) -> float:
    """Median wall time in milliseconds, after one warm-up call."""
    work(market)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        work(market)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def measure(bars: int, repeats: int) -> dict[str, Any]:
    """Check the contenders agree, then time each; the figures main() prints."""
    market = candles(bars)
    result = engine(market)
    assert_same(result, reference(market))
    figures: dict[str, Any] = {
        "bars": bars,
        "trades": len(result.trades),
        "engine_ms": timed(engine, market, repeats),
        "reference_ms": timed(reference, market, repeats),
    }
    figures["ratio_to_reference"] = figures["engine_ms"] / figures["reference_ms"]
    contender, note = vectorbt_contender()
    figures["vectorbt"] = note
    if contender is not None:
        portfolio = contender(market)
        figures["vectorbt_trades"] = int(portfolio.trades.count())
        figures["vectorbt_ms"] = timed(contender, market, repeats)
        figures["ratio_to_vectorbt"] = figures["engine_ms"] / figures["vectorbt_ms"]
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    figures = measure(args.bars, args.repeats)
    print(f"MA cross {FAST}/{SLOW} over {figures['bars']:,} bars, {figures['trades']:,} trades")
    print(f"engine     {figures['engine_ms']:8.1f} ms")
    print(f"reference  {figures['reference_ms']:8.1f} ms  (same trades and equity, asserted)")
    ratio = figures["ratio_to_reference"]
    verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
    print(f"engine / reference = {ratio:.2f}x (goal <= {GOAL_RATIO}x: {verdict})")
    if "vectorbt_ms" in figures:
        print(
            f"vectorbt   {figures['vectorbt_ms']:8.1f} ms  "
            f"({figures['vectorbt']}, {figures['vectorbt_trades']:,} trades)"
        )
        versus = figures["ratio_to_vectorbt"]
        print(f"engine / vectorbt = {versus:.2f}x (goal < 1: {'met' if versus < 1 else 'NOT met'})")
    else:
        print(f"vectorbt skipped: {figures['vectorbt']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
