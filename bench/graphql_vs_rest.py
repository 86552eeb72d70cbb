"""GraphQL small-query throughput against a plain FastAPI JSON route, same server, same run.

Usage: .venv/bin/python bench/graphql_vs_rest.py [--seconds 5] [--connections 16] [--rounds 3]

Starts `tradegraph serve` (demo data, SQLite, memory bus) on a free port, then alternates the
scenarios for several rounds so machine noise hits all of them alike, and prints requests per
second and each GraphQL scenario's ratio to the plain route (the median over rounds).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loadgen import run_in_process  # noqa: E402
from tests.e2e.server import running_server  # noqa: E402

SCENARIOS: dict[str, tuple[str, str, bytes | None]] = {
    "rest /api/health (plain FastAPI JSON)": ("GET", "/api/health", None),
    "graphql { health { status } }": (
        "POST",
        "/graphql",
        orjson.dumps({"query": "{ health { status } }"}),
    ),
    "graphql tradingAgent (one row from the database)": (
        "POST",
        "/graphql",
        orjson.dumps({"query": "{ tradingAgent { id name status phase marketMode } }"}),
    ),
}
BASELINE = "rest /api/health (plain FastAPI JSON)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rates: dict[str, list[float]] = {name: [] for name in SCENARIOS}
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_server(Path(tmp), "--demo-days", "5", "--log-level", "error") as base,
    ):
        port = int(base.rsplit(":", 1)[1])
        with ProcessPoolExecutor(max_workers=1) as pool:
            for method, path, body in SCENARIOS.values():  # warm-up
                pool.submit(
                    run_in_process, ("127.0.0.1", port, method, path, body, 4, 1.0)
                ).result()
            for _ in range(args.rounds):
                for name, (method, path, body) in SCENARIOS.items():
                    job = ("127.0.0.1", port, method, path, body, args.connections, args.seconds)
                    result = pool.submit(run_in_process, job).result()
                    if result.failures:
                        print(f"{name}: {result.failures} non-200 responses", file=sys.stderr)
                        return 1
                    rates[name].append(result.rps)
    base_rps = statistics.median(rates[BASELINE])
    print(f"{'scenario':55} {'req/s (median)':>15} {'ratio':>7}")
    for name, values in rates.items():
        rps = statistics.median(values)
        print(f"{name:55} {rps:15.0f} {rps / base_rps:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
