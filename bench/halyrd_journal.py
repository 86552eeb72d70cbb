"""Journal page latency over HTTP: a 1,000,000-entry journal against a 1,000-entry one.

Usage: .venv/bin/python bench/halyrd_journal.py [--small 1000] [--large 1000000]
       [--requests 200] [--limit 50]
Seeds two fresh SQLite files with bulk Core inserts (one agent, `seed`, whose journal holds
`--small` or `--large` entries), starts the real server (`python -m server.cli serve`, demo
data off, agent runtime off, no rate limit) on each, and times sequential GETs with httpx, the
two servers taking turns request by request so machine noise hits both alike. Three pages are
timed: the first page, a page from a cursor in the middle of the journal, and the last page.
Prints the median and p95 of each and the large/small ratio of the medians (goal: <= 2).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.wrk import UNTHROTTLED  # noqa: E402
from resolvers.halyrd.journal import KINDS, encode_cursor  # noqa: E402
from storage.halyrd import JournalEntry  # noqa: E402
from storage.migrate import upgrade_sync  # noqa: E402
from storage.trading_agents import TradingAgent  # noqa: E402
from tests.e2e.server import running_server  # noqa: E402

AGENT = "seed"
CHUNK = 50_000
START = datetime(2025, 1, 1, tzinfo=UTC)
# the server measured as it serves: demo data and the agent runtime off, no rate limit
SERVER_ENV = {**UNTHROTTLED, "TRADEGRAPH_AGENT_TICK_SECONDS": "0"}


def new_database(data_dir: Path) -> Any:
    """A migrated SQLite file where `tradegraph serve --data-dir` looks, holding the agent."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "tradegraph.db"
    upgrade_sync(f"sqlite+aiosqlite:///{path}")
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(insert(TradingAgent), [{"id": AGENT, "name": "Halyrd", "is_running": True}])
    return engine


def bulk_insert(engine: Any, model: Any, rows: Iterator[dict[str, Any]], total: int) -> float:
    """Insert `total` rows in executemany chunks; returns the seconds it took."""
    started = time.perf_counter()
    with engine.begin() as conn:
        chunk: list[dict[str, Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == CHUNK:
                conn.execute(insert(model), chunk)
                chunk = []
        if chunk:
            conn.execute(insert(model), chunk)
    return time.perf_counter() - started


def journal_rows(count: int) -> Iterator[dict[str, Any]]:
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        yield {
            "trading_agent_id": AGENT,
            "ts": START + timedelta(seconds=30 * n),
            "kind": kind,
            "message": f"{kind}: BTC-USD step {n}, signal {n % 3 - 1}, equity {10_000 + n % 977}",
            "data": {"n": n, "symbol": "BTC-USD", "signal": n % 3 - 1},
        }


def seed_journal(data_dir: Path, count: int) -> float:
    engine = new_database(data_dir)
    try:
        return bulk_insert(engine, JournalEntry, journal_rows(count), count)
    finally:
        engine.dispose()


@contextmanager
def serve(data_dir: Path) -> Iterator[httpx.Client]:
    """The real server on `data_dir`, and a keep-alive client to it."""
    server = running_server(data_dir, "--no-demo", "--log-level", "error", env=SERVER_ENV)
    with server as base, httpx.Client(base_url=base, timeout=60) as client:
        yield client


def timed_get(client: httpx.Client, path: str, params: dict[str, Any]) -> tuple[float, Any]:
    """Milliseconds from sending one GET to holding its whole body, and the parsed body (the
    client's JSON parsing is not the server's latency, so it runs after the clock stops)."""
    started = time.perf_counter()
    response = client.get(path, params=params)  # returns once the body is read
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, response.raise_for_status().json()


def summary(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def alternate(
    calls: dict[str, Callable[[], float]], requests: int, warmup: int
) -> dict[str, list[float]]:
    """Run each call in turn, `warmup` untimed rounds then `requests` timed ones."""
    for _ in range(warmup):
        for call in calls.values():
            call()
    timings: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(requests):
        for name, call in calls.items():
            timings[name].append(call())
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--limit", type=int, default=50)
    args = parser.parse_args()
    sizes = {"small": args.small, "large": args.large}
    path = f"/agents/{AGENT}/journal"
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        clients: dict[str, httpx.Client] = {}
        for label, count in sizes.items():
            seconds = seed_journal(Path(tmp) / label, count)
            print(f"{label}: {count} journal entries inserted in {seconds:.1f} s")
            clients[label] = stack.enter_context(serve(Path(tmp) / label))
        calls: dict[str, Callable[[], float]] = {}
        for label, client in clients.items():
            count = sizes[label]
            first = client.get(path, params={"limit": args.limit}).raise_for_status().json()
            assert len(first["entries"]) == args.limit and first["next_cursor"], first
            top = first["entries"][0]["id"]
            pages = {
                "first page": {"limit": args.limit},
                "middle page": {"limit": args.limit, "cursor": encode_cursor(top - count // 2)},
                "last page": {"limit": args.limit, "cursor": encode_cursor(top - count + 10)},
            }
            for page, params in pages.items():
                calls[f"{label} {page}"] = _call(client, path, params)
        timings = alternate(calls, args.requests, warmup=20)
    print(f"\n{'case':28} {'median ms':>10} {'p95 ms':>8}")
    for name, values in timings.items():
        median, p95 = summary(values)
        print(f"{name:28} {median:10.2f} {p95:8.2f}")
    print()
    met = True
    for page in ("first page", "middle page", "last page"):
        ratio = summary(timings[f"large {page}"])[0] / summary(timings[f"small {page}"])[0]
        met = met and ratio <= 2
        print(f"{page:12} large / small median = {ratio:.2f}")
    print(f"goal <= 2.0 for every page: {'met' if met else 'NOT met'}")
    return 0


def _call(client: httpx.Client, path: str, params: dict[str, Any]) -> Callable[[], float]:
    def call() -> float:
        elapsed, body = timed_get(client, path, params)
        assert body["entries"], json.dumps(body)[:200]
        return elapsed

    return call


if __name__ == "__main__":
    sys.exit(main())
