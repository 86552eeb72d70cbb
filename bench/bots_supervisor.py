"""API latency with 100 running bots against the same server idle (bot factory, issue 16).

Usage: .venv/bin/python bench/bots_supervisor.py [--bots 100] [--requests 400] [--rounds 3]
       [--gap 0.002]

One in-process app (server.app.create_app on a fresh SQLite file, `memory://` bus, no demo
data, the scheduler off) with its bot supervisor started as the lifespan starts it, at the
default settings (a pass every second, each bot stepped every 5 s). Requests go through
httpx's ASGI transport on the server's own event loop, so every bot task and supervisor pass
competes with them exactly as in one server process. Requests are sequential with a `--gap` (2 ms
by default: a steady trickle, not a saturation test; 0 sends them back to back, which still
yields to the bots at every await). Bots trade ma_cross on the 1m timeframe, so each
acts on every new minute bar (a real paper fill when its target flips) besides its read-only
steps.

After a warm-up that is not counted, phases alternate: idle (the supervisor running, no bot
running), busy (`--bots` bots running, every one seen running with a heartbeat first), idle
again after stopping them, and so on for `--rounds`; the figure is the p99 (and p50) of each
phase over all rounds, and the ratio busy / idle. Goal (issue 16): busy p99 within 1.5x of idle.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from server.app import create_app  # noqa: E402
from server.settings import load_settings  # noqa: E402
from storage.bots import Bot  # noqa: E402

KEYS = {"x-api-key": "bench-api", "x-operator-key": "bench-operator"}
PATHS = ("/api/health", "/api/bot-factory/bots?limit=50")
BOTS = "/api/bot-factory/bots"


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def sample(client: httpx.AsyncClient, path: str, count: int, gap: float) -> list[float]:
    spent = []
    for _ in range(count):
        await asyncio.sleep(gap)
        started = time.perf_counter()
        response = await client.get(path)
        spent.append((time.perf_counter() - started) * 1e3)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
    return spent


async def running(app: Any, ids: list[int]) -> int:
    async with app.state.services.session_factory() as session:
        stmt = select(func.count()).where(
            Bot.id.in_(ids), Bot.status == "running", Bot.heartbeat_at.is_not(None)
        )
        return int(await session.scalar(stmt) or 0)


async def tasks_left(app: Any) -> int:
    return len(app.state.bot_supervisor.tasks)


async def settle(count: Callable[[], Awaitable[int]], wanted: int) -> None:
    """Wait (at most a minute) until `count()` is `wanted`."""
    for _ in range(300):
        if await count() == wanted:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"never got to {wanted}: {await count()}")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bots", type=int, default=100)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--gap", type=float, default=0.002, help="seconds between requests")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bots-bench-"))
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{folder / 'bench.db'}",
        data_dir=folder,
        demo=False,
        api_key=KEYS["x-api-key"],
        operator_key=KEYS["x-operator-key"],
        rate_limit="",
        agent_tick_seconds=0,
        scheduler=False,
    )
    app = create_app(settings)
    figures: dict[str, dict[str, list[float]]] = {p: {"idle": [], "busy": []} for p in PATHS}
    async with app.router.lifespan_context(app):
        app.state.bot_supervisor.start()  # as the lifespan does with the scheduler on
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=KEYS
        ) as client:
            ids = []
            for n in range(args.bots):
                body = {"name": f"bot-{n}", "template": "ma_cross", "timeframe": "1m",
                        "params": {"fast": 2 + n % 5, "slow": 8 + n % 7},
                        "risk": {"notional": 500}}  # fmt: skip
                made = await client.post(BOTS, json=body)
                if made.status_code != 201:
                    raise RuntimeError(f"create: {made.status_code} {made.text[:300]}")
                ids.append(made.json()["id"])
            for path in PATHS:  # warm-up (caches, first connections), not counted
                await sample(client, path, args.requests // 4, args.gap)
            for _ in range(args.rounds):
                for path in PATHS:
                    figures[path]["idle"] += await sample(client, path, args.requests, args.gap)
                for bot_id in ids:
                    await client.post(f"{BOTS}/{bot_id}/start")
                await settle(lambda: running(app, ids), len(ids))
                for path in PATHS:
                    figures[path]["busy"] += await sample(client, path, args.requests, args.gap)
                for bot_id in ids:
                    await client.post(f"{BOTS}/{bot_id}/stop")
                await settle(lambda: tasks_left(app), 0)
            trades = (await client.get("/api/trades", params={"limit": 1})).json()["total"]
    print(f"{args.bots} bots, {args.rounds} rounds x {args.requests} requests per phase; "
          f"{trades} bot trades made on the paper exchange")  # fmt: skip
    print("| request | idle p50 ms | idle p99 ms | busy p50 ms | busy p99 ms | p99 ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for path in PATHS:
        idle, busy = figures[path]["idle"], figures[path]["busy"]
        i99, b99 = quantile(idle, 0.99), quantile(busy, 0.99)
        print(f"| GET {path} | {statistics.median(idle):.2f} | {i99:.2f} | "
              f"{statistics.median(busy):.2f} | {b99:.2f} | **{b99 / i99:.2f}** |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
