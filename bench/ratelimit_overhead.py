"""In-process cost of the rate limiter (rest_compat/ratelimit.py) at the default limit.

Usage: .venv/bin/python bench/ratelimit_overhead.py [--blocks 400] [--block 50] [--clients 200]
Calls the ASGI apps directly with hand-made scopes (no sockets, no HTTP client), so the figures
are the server-side time a request spends. Client addresses rotate so that no client reaches
the default 600/second and every request takes the allowed path; the script checks that every
answer is a 200. The cases take turns in short blocks of requests, and the limiter's cost is
the median over blocks of the difference between neighbouring blocks with and without it, so
that load from other processes, which comes and goes, falls on both sides alike.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi import FastAPI  # noqa: E402
from starlette.types import ASGIApp, Message, Receive, Scope, Send  # noqa: E402

from rest_compat.ratelimit import install_rate_limit  # noqa: E402
from server.app import create_app  # noqa: E402
from server.settings import Settings, load_settings  # noqa: E402


def scope(path: str, client: str) -> Scope:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"testserver")], "client": (client, 1),
        "server": ("testserver", 80),
    }  # fmt: skip


async def receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def plain_ok(_scope: Scope, _receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def behind_limiter(inner: ASGIApp, settings: Settings) -> Any:
    """`inner` wrapped in the rate-limit middleware alone, configured as install_rate_limit does."""
    holder = FastAPI()
    install_rate_limit(holder, settings.rate_limit)
    entry = holder.user_middleware[0]
    return entry.cls(inner, *entry.args, **entry.kwargs)


async def per_request_us(app: Any, clients: list[str], count: int, pause: float = 0.0) -> float:
    """Mean time inside `app` per GET /api/health; raises unless every answer is a 200."""
    statuses: set[int] = set()

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.add(message["status"])

    spent = 0.0
    for n in range(count):
        if pause:
            await asyncio.sleep(pause)
        started = time.perf_counter()
        await app(scope("/api/health", clients[n % len(clients)]), receive, send)
        spent += time.perf_counter() - started
    if statuses != {200}:
        raise RuntimeError(f"expected only 200s, got {sorted(statuses)}")
    return spent / count * 1e6


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--blocks", type=int, default=400)
    parser.add_argument("--block", type=int, default=50, help="requests per block")
    parser.add_argument("--clients", type=int, default=200)
    args = parser.parse_args()
    clients = [f"10.0.{n // 250}.{n % 250}" for n in range(args.clients)]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        on = load_settings(data_dir=Path(tmp), database_url=url, demo=False)
        off = on.model_copy(update={"rate_limit": ""})
        print(f"TRADEGRAPH_RATE_LIMIT={on.rate_limit!r}, {args.clients} client addresses")
        full_off, full_on = create_app(off), create_app(on)
        install_rate_limit(
            full_on, on.rate_limit
        )  # does nothing if create_app has installed it already
        cases = {
            "bare ASGI app": plain_ok,
            "bare ASGI app + limiter": behind_limiter(plain_ok, on),
            "create_app GET /api/health, limiter off": full_off,
            "create_app GET /api/health, limiter on": full_on,
        }
        results: dict[str, list[float]] = {name: [] for name in cases}
        async with (
            full_off.router.lifespan_context(full_off),
            full_on.router.lifespan_context(full_on),
        ):
            for app in cases.values():  # warm-up
                await per_request_us(app, clients, 500)
            for _ in range(args.blocks):
                for name, app in cases.items():
                    results[name].append(await per_request_us(app, clients, args.block))
            # Requests more than 10 ms apart: limits' memory storage then starts a new expiry
            # timer thread on each hit, because the previous one has finished.
            for name in ("bare ASGI app", "bare ASGI app + limiter"):
                spaced = await per_request_us(cases[name], clients, 200, pause=0.02)
                results[f"{name}, requests 20 ms apart"] = [spaced]
    for name, values in results.items():
        print(f"{name:48} {statistics.median(values):8.1f} µs/request")
    for label, with_it, without in (
        ("bare ASGI app", "bare ASGI app + limiter", "bare ASGI app"),
        (
            "create_app",
            "create_app GET /api/health, limiter on",
            "create_app GET /api/health, limiter off",
        ),
    ):
        paired = [a - b for a, b in zip(results[with_it], results[without], strict=True)]
        print(f"{'limiter cost, paired, ' + label:48} {statistics.median(paired):8.1f} µs/request")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
