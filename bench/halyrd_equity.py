"""A year of 1-minute equity snapshots (525,600 rows) resampled to 1h, end to end over HTTP.

Usage: .venv/bin/python bench/halyrd_equity.py [--days 365] [--requests 50]
Seeds a fresh SQLite file with bulk Core inserts (one agent, `seed`, one snapshot a minute from
a seeded random walk, each with its running peak as record_snapshot stores it), starts the
real server (`python -m server.cli serve`, demo data off, agent runtime off, no rate limit) and
times sequential GETs with httpx (request sent to JSON parsed) after a warm-up. Checks the
answer against the seeded series first: one point per hour, each the hour's last snapshot with
its drawdown from the running peak. Goal: the 1h resample of the whole year under 150 ms.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.halyrd_journal import (  # noqa: E402
    AGENT,
    alternate,
    bulk_insert,
    new_database,
    serve,
    summary,
    timed_get,
)
from resolvers.halyrd.equity import drawdown  # noqa: E402
from storage.halyrd import AgentEquity  # noqa: E402

START = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
GOAL_MS = 150.0


def equity_rows(minutes: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """A random walk with drift and drawdowns; `peak` is the running maximum."""
    rng = random.Random(seed)
    equity, peak = 10_000.0, 0.0
    for n in range(minutes):
        equity *= 1 + rng.gauss(0.000002, 0.0006)
        peak = max(peak, equity)
        phase = "paper" if n < minutes // 2 else "live"
        ts_s = START + 60 * n
        yield {
            "trading_agent_id": AGENT,
            "ts_s": ts_s,
            "equity": equity,
            "phase": phase,
            "peak": peak,
        }


def expected_hourly(minutes: int) -> list[tuple[str, float, str, float]]:
    """Each hour's last snapshot with its drawdown, straight from the generator."""
    last: dict[int, dict[str, Any]] = {}
    for row in equity_rows(minutes):
        last[row["ts_s"] // 3600] = row
    return [
        (
            datetime.fromtimestamp(r["ts_s"], tz=UTC).isoformat(),
            r["equity"],
            r["phase"],
            drawdown(r["equity"], r["peak"]),
        )
        for r in last.values()
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    minutes = args.days * 1440
    path = f"/agents/{AGENT}/equity"
    year = {
        "from": datetime.fromtimestamp(START, tz=UTC).isoformat(),
        "to": datetime.fromtimestamp(START + 60 * minutes, tz=UTC).isoformat(),
    }
    cases = {
        "1h, no bounds": {"interval": "1h"},
        "1h, from/to the whole span": {**year, "interval": "1h"},
        "1d, no bounds": {"interval": "1d"},
        "raw, one day (1,440 points)": {
            "to": datetime.fromtimestamp(START + 86_399, tz=UTC).isoformat()
        },
    }
    with tempfile.TemporaryDirectory() as tmp:
        engine = new_database(Path(tmp))
        seconds = bulk_insert(engine, AgentEquity, equity_rows(minutes), minutes)
        engine.dispose()
        print(f"{minutes} equity snapshots ({args.days} days, 1 a minute) in {seconds:.1f} s")
        with serve(Path(tmp)) as client:
            _, body = timed_get(client, path, {"interval": "1h"})
            got = [(p["ts"], p["equity"], p["phase"], p["dd_from_peak"]) for p in body]
            if got != expected_hourly(minutes):
                raise SystemExit("the 1h series differs from the seeded data")
            size = len(client.get(path, params={"interval": "1h"}).content)
            print(f"1h series checked: {len(got)} points, {size} bytes")
            calls: dict[str, Callable[[], float]] = {
                name: _call(client, path, params) for name, params in cases.items()
            }
            timings = alternate(calls, args.requests, warmup=5)
    print(f"\n{'case':30} {'median ms':>10} {'p95 ms':>8}")
    for name, values in timings.items():
        median, p95 = summary(values)
        print(f"{name:30} {median:10.1f} {p95:8.1f}")
    median, p95 = summary(timings["1h, no bounds"])
    verdict = "NOT met"
    if median < GOAL_MS:
        verdict = "met" if p95 < GOAL_MS else "met at the median only"
    print(f"\ngoal: one year at 1 minute resampled to 1h under {GOAL_MS:.0f} ms: {verdict}")
    return 0


def _call(client: Any, path: str, params: dict[str, Any]) -> Callable[[], float]:
    def call() -> float:
        elapsed, body = timed_get(client, path, params)
        assert body, "empty series"
        return elapsed

    return call


if __name__ == "__main__":
    sys.exit(main())
