"""GraphQL small-query throughput against a plain FastAPI JSON route, same server, same run.

Usage: .venv/bin/python bench/graphql_vs_rest.py [--seconds 5] [--connections 16] [--rounds 3]
Needs wrk (apt-get install -y wrk). Starts `tradegraph serve` (SQLite, memory bus, 5 days of
demo data) on a free port, runs the scenarios in turn for several rounds so machine noise hits
them alike, and prints the median requests per second and each one's ratio to the plain route.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.wrk import KEYED, Scenario, require_wrk, run  # noqa: E402
from tests.e2e.server import running_server  # noqa: E402

BASELINE = Scenario("rest GET /api/health (plain FastAPI JSON route)", "/api/health")
SCENARIOS = (
    BASELINE,
    Scenario("graphql POST { health { status } }", "/graphql", {"query": "{ health { status } }"}),
    Scenario(
        "graphql GET { health { status } } (Strawberry's view)",
        "/graphql?query=%7B%20health%20%7B%20status%20%7D%20%7D",
    ),
    Scenario(
        "graphql POST { tradingAgent {...} } (one database row)",
        "/graphql",
        {"query": "{ tradingAgent { id name status phase marketMode } }"},
    ),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    require_wrk()
    rates: dict[str, list[float]] = {s.name: [] for s in SCENARIOS}
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_server(Path(tmp), "--demo-days", "5", "--log-level", "error", env=KEYED) as base,
    ):
        for scenario in SCENARIOS:  # warm-up
            run(base, scenario, seconds=1, connections=4)
        for _ in range(args.rounds):
            for scenario in SCENARIOS:
                rps = run(base, scenario, seconds=args.seconds, connections=args.connections)
                rates[scenario.name].append(rps)
    base_rps = statistics.median(rates[BASELINE.name])
    print(f"{'scenario':52} {'req/s (median)':>15} {'ratio':>7}")
    for name, values in rates.items():
        rps = statistics.median(values)
        print(f"{name:52} {rps:15.0f} {rps / base_rps:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
