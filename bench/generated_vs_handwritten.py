"""Generated REST routes against hand-written FastAPI routes, same server, same run.

Usage: .venv/bin/python bench/generated_vs_handwritten.py [--seconds 5] [--connections 16]
       [--rounds 3] [--placement adjacent|end]
Needs wrk (apt-get install -y wrk). Starts the product server (SQLite, memory bus, 5 days of
demo data) with the hand-written twins of bench/handwritten_app.py added, seeds strategies
through the generated write routes until a 100-item page is full, checks that each pair
answers the same JSON, then runs the scenarios in turn for several rounds (the order flips
every round so drift hits both sides alike) and prints the median requests per second and
the generated/hand-written ratio of each pair.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.wrk import BENCH_KEYS, KEYED, Scenario, require_wrk, run  # noqa: E402
from tests.e2e.server import free_port, running_process  # noqa: E402

PAGE = 100
MIN_STRATEGIES = PAGE + 20  # a full page with a next cursor
PAIRS = (
    (
        "single object (agent)",
        Scenario("generated   GET /agents/seed", "/agents/seed"),
        Scenario("handwritten GET /bench/agents/seed", "/bench/agents/seed"),
    ),
    (
        f"{PAGE}-item page (strategies)",
        Scenario(f"generated   GET /api/strategies?limit={PAGE}", f"/api/strategies?limit={PAGE}"),
        Scenario(
            f"handwritten GET /bench/strategies?limit={PAGE}", f"/bench/strategies?limit={PAGE}"
        ),
    ),
)


@contextmanager
def running_bench_server(data_dir: Path, placement: str) -> Iterator[str]:
    """`python -m bench.handwritten_app` on a free port, healthy, then stopped."""
    port = free_port()
    command = [
        sys.executable, "-m", "bench.handwritten_app", "--port", str(port),
        "--data-dir", str(data_dir), "--demo-days", "5", "--log-level", "error",
        "--placement", placement,
    ]  # fmt: skip
    # the strategies it seeds descend from one hypothesis: past the default spawn window limit
    env = {**KEYED, "TRADEGRAPH_SPAWN_WINDOW_LIMIT": "1000", "TRADEGRAPH_SPAWN_PER_RUN": "1000"}
    with running_process(command, port, env=env, cwd=ROOT) as base:
        yield base


def seed_strategies(client: httpx.Client) -> int:
    """Create strategies through the generated write routes until a full page exists."""
    total = int(
        client.get("/api/strategies", params={"limit": 1}).raise_for_status().json()["total"]
    )
    if total >= MIN_STRATEGIES:
        return total
    hypothesis = client.post("/api/hypotheses/manual", json={"title": "benchmark hypothesis"})
    hypothesis_id = hypothesis.raise_for_status().json()["id"]
    for n in range(total, MIN_STRATEGIES):
        body = {
            "hypothesis_id": hypothesis_id,
            "name": f"bench ma_cross {n}",
            "family": "ma_cross",
            "symbol": "BTC-USD",
        }
        client.post("/api/backtesting/strategies", json=body).raise_for_status()
    return int(client.get("/api/strategies", params={"limit": 1}).json()["total"])


def normalized(value: Any) -> Any:
    """JSON with timestamps as datetimes: orjson writes UTC as +00:00, Pydantic as Z."""
    if isinstance(value, dict):
        return {k: normalized(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalized(v) for v in value]
    if isinstance(value, str) and len(value) >= 20 and value[10:11] == "T":
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def check_same_answers(client: httpx.Client) -> dict[str, int]:
    """Each pair answers equal JSON (up to the timestamp spelling); body sizes by scenario."""
    sizes: dict[str, int] = {}
    for label, generated, handwritten in PAIRS:
        answers = []
        for scenario in (generated, handwritten):
            response = client.get(scenario.path).raise_for_status()
            sizes[scenario.name] = len(response.content)
            answers.append(response.json())
        if normalized(answers[0]) != normalized(answers[1]):
            raise SystemExit(f"{label}: the two routes answer different JSON")
        if "items" in answers[0] and len(answers[0]["items"]) != PAGE:
            raise SystemExit(f"{label}: expected {PAGE} items, got {len(answers[0]['items'])}")
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--placement",
        choices=["adjacent", "end"],
        default="adjacent",
        help="where the hand-written routes sit in the routing table (bench/handwritten_app.py)",
    )
    args = parser.parse_args()
    require_wrk()
    scenarios = [s for _, generated, handwritten in PAIRS for s in (generated, handwritten)]
    rates: dict[str, list[float]] = {s.name: [] for s in scenarios}
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_bench_server(Path(tmp), args.placement) as base,
    ):
        with httpx.Client(base_url=base, timeout=30, headers=BENCH_KEYS) as client:
            total = seed_strategies(client)
            sizes = check_same_answers(client)
        print(f"strategies in the database: {total}; hand-written placement: {args.placement}")
        for scenario in scenarios:  # warm-up
            run(base, scenario, seconds=1, connections=4)
        for n in range(args.rounds):
            for scenario in scenarios if n % 2 == 0 else scenarios[::-1]:
                rps = run(base, scenario, seconds=args.seconds, connections=args.connections)
                rates[scenario.name].append(rps)
    print(f"{'scenario':46} {'bytes':>6} {'req/s (median)':>15} {'rounds':>20}")
    for scenario in scenarios:
        values = rates[scenario.name]
        rounds = " ".join(f"{v:.0f}" for v in values)
        print(
            f"{scenario.name:46} {sizes[scenario.name]:6} "
            f"{statistics.median(values):15.0f} {rounds:>20}"
        )
    print()
    met = True
    for label, generated, handwritten in PAIRS:
        ratio = statistics.median(rates[generated.name]) / statistics.median(
            rates[handwritten.name]
        )
        met = met and ratio >= 0.9
        print(f"{label:30} generated / hand-written = {ratio:.2f}")
    print(f"goal >= 0.90 for both: {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
