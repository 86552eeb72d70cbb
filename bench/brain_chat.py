"""POST /api/brain/chat latency (202 Accepted) with at least 50 brain tasks queued.

Usage: .venv/bin/python bench/brain_chat.py [--queued 50] [--requests 2000] [--rounds 3]
Starts `tradegraph serve` (SQLite, memory bus, 5 days of demo data) with the job workers and
the scheduler off (TRADEGRAPH_JOBS=false, TRADEGRAPH_SCHEDULER=false), so every task queued
stays queued, on a free port. It queues `--queued` tasks first and checks that the overview
counts them, then sends `--requests` POSTs one after another over one keep-alive HTTP/1.1
connection (httpx), each timed from send to the whole answer read; every answer must be a 202
with status queued. The queue only grows (nothing runs it), so each measured request meets at
least `--queued` queued tasks. Each POST is paired with a GET /api/health on the same
connection (a route that touches no database), timed alike, so a round shows how much of the
tail is the machine's (other processes, the scheduler) rather than the route's. Prints p50,
p90, p99 and max per round for both, and the median p99; the goal is a POST p99 under 20 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.wrk import BENCH_KEYS, KEYED  # noqa: E402
from tests.e2e.server import running_server  # noqa: E402

QUEUE_OFF = {"TRADEGRAPH_JOBS": "false", "TRADEGRAPH_SCHEDULER": "false"}
PROMPT = {"prompt": "Which strategies fail their gates, and what should we do about them?"}
GOAL_MS = 20.0


def percentile(sorted_ms: list[float], fraction: float) -> float:
    """The nearest-rank percentile of sorted values."""
    rank = max(1, min(len(sorted_ms), round(fraction * len(sorted_ms) + 0.5)))
    return sorted_ms[rank - 1]


def post(client: httpx.Client) -> float:
    """One POST /api/brain/chat; its latency in ms (raises unless it is a queued 202)."""
    started = time.perf_counter()
    response = client.post("/api/brain/chat", json=PROMPT)
    body = response.read()
    spent = (time.perf_counter() - started) * 1000
    if response.status_code != 202 or b'"status":"queued"' not in body:
        raise RuntimeError(f"expected a queued 202, got {response.status_code}: {body[:200]!r}")
    return spent


def health(client: httpx.Client) -> float:
    """One GET /api/health; its latency in ms (the baseline beside each POST)."""
    started = time.perf_counter()
    response = client.get("/api/health")
    response.read()
    spent = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"health answered {response.status_code}")
    return spent


def row(name: str, queue: int, times: list[float]) -> str:
    p50, p90, p99 = (percentile(times, f) for f in (0.5, 0.9, 0.99))
    return f"{name:>22} {queue:8} {p50:8.2f} {p90:8.2f} {p99:8.2f} {times[-1]:8.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queued", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    env = {**KEYED, **QUEUE_OFF}
    p99s: list[float] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_server(Path(tmp), "--demo-days", "5", "--log-level", "error", env=env) as base,
        httpx.Client(base_url=base, headers=BENCH_KEYS, timeout=30.0) as client,
    ):
        for _ in range(args.queued):
            post(client)
        queued = client.get("/api/brain/overview").json()["activity"]["queued"]
        if queued != args.queued:
            raise RuntimeError(f"{queued} tasks queued, expected {args.queued}: workers ran?")
        for _ in range(50):  # warm-up, counted in the queue like the rest
            post(client)
        print(f"{'round / request':>22} {'queued':>8} {'p50 ms':>8} {'p90 ms':>8} "
              f"{'p99 ms':>8} {'max ms':>8}")  # fmt: skip
        for n in range(args.rounds):
            start_queue = client.get("/api/brain/overview").json()["activity"]["queued"]
            posts, healths = [], []
            for _ in range(args.requests):
                posts.append(post(client))
                healths.append(health(client))
            posts.sort()
            healths.sort()
            p99s.append(percentile(posts, 0.99))
            print(row(f"{n + 1} POST /api/brain/chat", start_queue, posts))
            print(row(f"{n + 1} GET /api/health", start_queue, healths))
        final = client.get("/api/brain/overview").json()["activity"]["queued"]
    median = statistics.median(p99s)
    verdict = "met" if median < GOAL_MS else "NOT met"
    print(f"median p99 {median:.2f} ms over {args.rounds} rounds ({final} tasks queued at the "
          f"end); goal p99 < {GOAL_MS:.0f} ms: {verdict}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
