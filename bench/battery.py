"""The full verdict battery on 100,000 bars, per family, with each test's share of the time.

Usage: PYTHONPATH=. .venv/bin/python bench/battery.py [--bars 100000] [--runs 5] [--family ma_cross]
Generates seeded synthetic 1h candles (resolvers/quant/market, outside the timing), then times
run_battery with the default thresholds (20 jitter backtests, 2 x 1,000 bootstrap paths, the
cost bisection, 6 lookahead cuts) in this process after one warm-up run. Reports the median
and the fastest of `runs` per family, and the median time of each test from the progress
callback. Goal (issue 14): the full battery on 100,000 bars in at most 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from resolvers.quant.battery import TEST_NAMES, run_battery  # noqa: E402
from resolvers.quant.engine import Costs  # noqa: E402
from resolvers.quant.market import Candles, generate_candles  # noqa: E402
from resolvers.quant.strategies import FAMILIES  # noqa: E402

GOAL_S = 2.0


def _once(candles: Candles, family: str) -> tuple[float, dict[str, float], int]:
    started: dict[str, float] = {}
    spent: dict[str, float] = {}

    def progress(name: str, done: float) -> None:
        now = time.perf_counter()
        if done == 0.0:
            started[name] = now
        elif done == 1.0:
            spent[name] = now - started[name]

    begin = time.perf_counter()
    result = run_battery(
        candles,
        family,
        None,
        capital=10_000.0,
        fraction=1.0,
        costs=Costs(),
        trials=10,
        trial_sharpes=None,
        seed=7,
        progress=progress,
    )
    trades = int(result.tests[0].details["trades"])
    return time.perf_counter() - begin, spent, trades


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--family", action="append", choices=sorted(FAMILIES))
    args = parser.parse_args()
    candles = generate_candles(
        symbol="BTC-USD",
        seed=1,
        start=datetime(2024, 1, 1, tzinfo=UTC),
        periods=args.bars,
        interval=timedelta(hours=1),
    )
    print(f"verdict battery, {args.bars:,} bars of 1h candles, {args.runs} runs after a warm-up")
    header = f"{'family':20s} {'trades':>7s} {'median s':>9s} {'best s':>7s}"
    print(header + "  slowest tests (median s)")
    worst = 0.0
    for family in args.family or list(FAMILIES):
        _once(candles, family)
        runs = [_once(candles, family) for _ in range(args.runs)]
        totals = [total for total, _, _ in runs]
        per_test = {name: statistics.median(r[1][name] for r in runs) for name in TEST_NAMES}
        slowest = sorted(per_test.items(), key=lambda item: -item[1])[:3]
        shown = ", ".join(f"{name} {value:.3f}" for name, value in slowest)
        median = statistics.median(totals)
        worst = max(worst, median)
        print(f"{family:20s} {runs[0][2]:7d} {median:9.3f} {min(totals):7.3f}  {shown}")
    verdict = "met" if worst <= GOAL_S else "NOT met"
    print(f"slowest family median {worst:.3f} s; goal <= {GOAL_S} s {verdict}")


if __name__ == "__main__":
    main()
