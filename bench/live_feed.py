"""The live feed under load: 1,000 WebSocket clients at 4 messages/s (benchmark, not a test).

Usage: .venv/bin/python bench/live_feed.py [--clients 1000] [--processes 4] [--seconds 30]
       [--slow-seconds 60] [--scenarios ws,graphql,slow] [--compression deflate|none]

It starts the real server (`python -m server.cli serve --no-demo`: SQLite, `memory://` bus,
no rate limit, both keys set, TRADEGRAPH_TICK_SYMBOLS=BTC-USD, scheduler on) on a free
loopback port and makes the scheduler's market_ticks job publish about 4 ticks a second:
PATCH /api/scheduler/market_ticks interval 0.2 s (the scheduler polls every 0.1 s, so a run
starts on the first pass after it is due: 0.25 s would give 3.3 ticks a second); every other
job is switched off. Each tick is a real publish: an outbox row written and committed by the
job, then the event bus's fan-out.

Clients are split over `--processes` processes (uvloop), each on the `websockets` library's
sans-I/O protocol (one asyncio.Protocol per connection, no task or queue per connection, so
the load generator stays light), offering permessage-deflate as browsers do unless
`--compression none`. Each subscribes to `types=tick&symbols=BTC-USD` on /ws/live, or to
`liveFeed(types: [TICK], symbols: ["BTC-USD"])` over graphql-transport-ws at /graphql (one
subscription per connection), and records for every event its id and `receive wall time -
ts`. `ts` is the market clock's reading when the job took the tick (speed 1: wall time),
before the job wrote and committed it, so the latency covers the job's write and commit, the
bus and the socket: publish-to-receive measured from just before the publish. Server and
clients read one clock (same machine).

Checks per scenario, over a window that starts once every client is subscribed:
- no message lost: every client holds every tick id stored in the window (read back from the
  feed itself with `since`), in order, none twice;
- p50 / p99 / max latency over all clients' events of the window;
- the server's peak RSS (VmRSS) and its CPU time per delivered event in the window.

Scenario `slow`: REST clients; a baseline window, then one client stops reading from its socket
for `--slow-seconds` while the others go on: their p99 against the baseline (goal: within 10%)
and the server's RSS against the baseline (goal: within 20 MB). The slow client then reads
again (if the server dropped it meanwhile, it reconnects with `since`) and must still hold
every tick of the whole span.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEYS = {"x-api-key": "bench-api-key", "x-operator-key": "bench-operator-key"}
SYMBOL = "BTC-USD"
WS_PATH = f"/ws/live?types=tick&symbols={SYMBOL}"
GRAPHQL = 'subscription { liveFeed(types: [TICK], symbols: ["BTC-USD"]) { id ts } }'
TICK_INTERVAL = 0.2
COMPRESSION: str | None = "deflate"  # what browsers negotiate; --compression none to compare


def _stamp(ts: str) -> float:
    return datetime.fromisoformat(ts).timestamp()


# ---------------------------------------------------------------- client process


@dataclass
class Client:
    ids: list[int]
    lags: list[float]  # receive wall time - ts, seconds
    stamps: list[float]  # ts of each event (to cut windows)
    reconnects: int = 0


class FeedClient(asyncio.Protocol):
    """One feed connection on the `websockets` library's sans-I/O protocol: frames are handled
    as they arrive, without a reader task and a queue per connection, so that 250 clients in a
    process cost little and the latency measured is the server's. Pings are answered by the
    protocol; pausing the transport stops reading from the socket for real."""

    def __init__(self, url: str, headers: dict[str, str], graphql: bool, client: Client) -> None:
        from websockets.client import ClientProtocol
        from websockets.extensions.permessage_deflate import enable_client_permessage_deflate
        from websockets.typing import Subprotocol
        from websockets.uri import parse_uri

        extensions = enable_client_permessage_deflate(None) if COMPRESSION else None
        subprotocols = [Subprotocol("graphql-transport-ws")] if graphql else None
        self.ws = ClientProtocol(parse_uri(url), extensions=extensions, subprotocols=subprotocols)
        self.request = self.ws.connect()
        self.request.headers.update(headers)
        self.graphql = graphql
        self.client = client
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()  # the handshake succeeded
        self.first: asyncio.Future[Any] = loop.create_future()  # the first message
        self.closed: asyncio.Future[None] = loop.create_future()
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.ws.send_request(self.request)
        self._flush()

    def data_received(self, data: bytes) -> None:
        from websockets.frames import Opcode

        now = time.time()
        self.ws.receive_data(data)
        if not self.opened.done() and self.ws.state.name == "OPEN":
            self.opened.set_result(None)
        for event in self.ws.events_received():
            if getattr(event, "opcode", None) is not Opcode.TEXT:
                continue
            message = orjson.loads(event.data)
            if not self.first.done():
                self.first.set_result(message)  # the acknowledgement
                continue
            if self.graphql:
                message = message["payload"]["data"]["liveFeed"]
            ts = _stamp(message["ts"])
            self.client.ids.append(int(message["id"]))
            self.client.stamps.append(ts)
            self.client.lags.append(now - ts)
        self._flush()
        if self.ws.close_expected() or self.ws.handshake_exc is not None:
            self.transport.close()

    def connection_lost(self, exc: BaseException | None) -> None:
        for future in (self.opened, self.first):
            if not future.done():
                future.set_exception(ConnectionError(f"connection lost: {exc!r}"))
        if not self.closed.done():
            self.closed.set_result(None)

    def send(self, message: dict[str, Any]) -> None:
        self.ws.send_text(orjson.dumps(message))
        self._flush()

    def _flush(self) -> None:
        for chunk in self.ws.data_to_send():
            if chunk:
                self.transport.write(chunk)


async def _open(base: str, mode: str, client: Client, since: int | None = None) -> FeedClient:
    from urllib.parse import urlparse

    graphql = mode == "graphql"
    url = base + ("/graphql" if graphql else WS_PATH + ("" if since is None else f"&since={since}"))
    where = urlparse(url)
    loop = asyncio.get_running_loop()
    headers = {} if graphql else KEYS
    _, feed = await loop.create_connection(
        lambda: FeedClient(url, headers, graphql, client), where.hostname, where.port
    )
    if graphql:
        await feed.opened
        feed.send({"type": "connection_init", "payload": KEYS})
        ack = await feed.first
        assert ack["type"] == "connection_ack", ack
        feed.send({"id": "1", "type": "subscribe", "payload": {"query": GRAPHQL}})
    else:
        ack = await feed.first
        assert ack["type"] == "subscribed", ack
    return feed


def run_clients(args: argparse.Namespace) -> None:
    """One client process: open `count` connections, say READY, read until `stop`, print results.

    The first client of a process asked to (`slow_from` > 0) stops reading from `slow_from` to
    `slow_until`; if the server dropped it meanwhile, it reconnects with `since`."""
    import uvloop

    global COMPRESSION
    COMPRESSION = None if args.compression == "none" else args.compression

    async def main() -> None:
        clients = [Client([], [], []) for _ in range(args.count)]
        feeds = [await _open(args.base, args.mode, client) for client in clients]
        print("READY", flush=True)
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        stop, slow_from, slow_until = (float(x) for x in line.split())
        if slow_from > 0:
            await asyncio.sleep(max(0.0, slow_from - time.time()))
            feeds[0].transport.pause_reading()
            await asyncio.sleep(max(0.0, slow_until - time.time()))
            feeds[0].transport.resume_reading()
            await asyncio.sleep(1.0)
            if feeds[0].closed.done():  # dropped while it did not read: resume from its last id
                slow = clients[0]
                slow.reconnects += 1
                feeds[0] = await _open(args.base, args.mode, slow, slow.ids[-1])
        await asyncio.sleep(max(0.0, stop - time.time()))
        out = [
            {"ids": c.ids, "lags": c.lags, "stamps": c.stamps, "reconnects": c.reconnects}
            for c in clients
        ]
        print(orjson.dumps({"clients": out, "errors": []}).decode(), flush=True)
        for feed in feeds:
            feed.transport.abort()

    uvloop.run(main())


# ---------------------------------------------------------------- orchestration


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def prepare(base: str) -> None:
    import httpx

    with httpx.Client(base_url=base, headers=KEYS, timeout=10) as http:
        jobs = http.get("/api/scheduler").json()
        for job in jobs if isinstance(jobs, list) else jobs["items"]:
            if job["id"] != "market_ticks":
                http.patch(f"/api/scheduler/{job['id']}", json={"enabled": False})
        response = http.patch(
            "/api/scheduler/market_ticks",
            json={"enabled": True, "interval_seconds": TICK_INTERVAL},
        )
        response.raise_for_status()


async def truth(base: str, since: int, upto: int) -> list[tuple[int, float]]:
    """Every tick id (and ts) the feed stored after `since`, read back through the feed."""
    from websockets.asyncio.client import connect

    out: list[tuple[int, float]] = []
    url = f"{base}{WS_PATH}&since={since}"
    async with connect(url, additional_headers=KEYS, max_size=2**24) as ws:
        orjson.loads(await ws.recv())  # subscribed
        while not out or out[-1][0] < upto:
            event = orjson.loads(await asyncio.wait_for(ws.recv(), timeout=10))
            out.append((int(event["id"]), _stamp(event["ts"])))
    return out


def spawn_clients(args: argparse.Namespace, ws_base: str, mode: str) -> list[subprocess.Popen[str]]:
    per = [args.clients // args.processes] * args.processes
    per[0] += args.clients - sum(per)
    procs = []
    for count in per:
        command = [
            sys.executable, __file__, "client", "--base", ws_base, "--mode", mode,
            "--count", str(count), "--compression", args.compression,
        ]  # fmt: skip
        procs.append(
            subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        )
    for proc in procs:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if line.strip() != "READY":
            raise RuntimeError(f"client process failed: {line!r}")
    return procs


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Window:
    start: float
    end: float

    def summary(
        self, clients: list[dict[str, Any]], ticks: list[tuple[int, float]]
    ) -> dict[str, Any]:
        # ticks taken in the window; a second of slack at the end for the last to arrive
        wanted = [i for i, ts in ticks if self.start <= ts <= self.end - 1.0]
        lags: list[float] = []
        lost = 0
        for c in clients:
            held = set(c["ids"])
            assert len(held) == len(c["ids"]) and c["ids"] == sorted(c["ids"]), "order/dupes"
            lost += sum(1 for i in wanted if i not in held)
            lags += [
                lag
                for lag, ts in zip(c["lags"], c["stamps"], strict=True)
                if self.start <= ts <= self.end - 1.0
            ]
        return {
            "clients": len(clients),
            "ticks": len(wanted),
            "events": len(lags),
            "lost": lost,
            "p50_ms": round(statistics.median(lags) * 1000, 1),
            "p99_ms": round(percentile(lags, 0.99) * 1000, 1),
            "max_ms": round(max(lags) * 1000, 1),
        }


def scenario(
    args: argparse.Namespace, base: str, pid: int, mode: str, slow: bool
) -> dict[str, Any]:
    ws_base = base.replace("http", "ws")
    procs = spawn_clients(args, ws_base, mode)
    time.sleep(1.0)
    baseline = Window(time.time(), time.time() + args.seconds)
    slowed = Window(baseline.end, baseline.end + (args.slow_seconds if slow else 0.0))
    stop = slowed.end + (10.0 if slow else 0.0)  # the slow client catches up after its pause
    for index, proc in enumerate(procs):
        assert proc.stdin is not None
        pause = f"{slowed.start} {slowed.end}" if slow and index == 0 else "0 0"
        proc.stdin.write(f"{stop} {pause}\n")
        proc.stdin.flush()
    samples: list[tuple[float, float, float]] = []
    while time.time() < stop:
        samples.append((time.time(), rss_mb(pid), cpu_seconds(pid)))
        time.sleep(1.0)
    results = [orjson.loads(proc.communicate()[0].strip().splitlines()[-1]) for proc in procs]
    clients = [c for r in results for c in r["clients"]]
    first = min(c["ids"][0] for c in clients if c["ids"])
    last = max(c["ids"][-1] for c in clients if c["ids"])
    ticks = asyncio.run(truth(ws_base, first - 1, last))
    span = ticks[-1][1] - ticks[0][1]
    report: dict[str, Any] = {
        "scenario": "slow" if slow else mode,
        "ticks_per_second": round((len(ticks) - 1) / span, 2) if span > 0 else None,
        "errors": [e for r in results for e in r["errors"]][:3],
    }

    def server_in(window: Window, summary: dict[str, Any]) -> None:
        inside = [(mb, cpu) for t, mb, cpu in samples if window.start <= t <= window.end]
        summary["rss_max_mb"] = round(max(mb for mb, _ in inside), 1)
        cpu = inside[-1][1] - inside[0][1]
        summary["server_cpu_us_per_event"] = round(cpu / max(1, summary["events"]) * 1e6, 1)

    others = clients[1:] if slow else clients  # client 0 of process 0 is the slow one
    report["baseline"] = baseline.summary(others, ticks)
    server_in(baseline, report["baseline"])
    if slow:
        report["slowed"] = slowed.summary(others, ticks)
        server_in(slowed, report["slowed"])
        report["p99_ratio"] = round(report["slowed"]["p99_ms"] / report["baseline"]["p99_ms"], 3)
        rss_growth = report["slowed"]["rss_max_mb"] - report["baseline"]["rss_max_mb"]
        report["rss_growth_mb"] = round(rss_growth, 1)
        slow_one = Window(baseline.start, slowed.end).summary(clients[:1], ticks)
        report["slow_client"] = {**slow_one, "reconnects": clients[0]["reconnects"]}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command")
    client = sub.add_parser("client")
    client.add_argument("--base", required=True)
    client.add_argument("--mode", choices=["ws", "graphql"], required=True)
    client.add_argument("--count", type=int, required=True)
    client.add_argument("--compression", default="deflate")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--slow-seconds", type=float, default=60.0)
    parser.add_argument("--scenarios", default="ws,graphql,slow")
    parser.add_argument("--compression", choices=["deflate", "none"], default="deflate")
    args = parser.parse_args(argv)
    if args.command == "client":
        run_clients(args)
        return 0
    from bench.wrk import UNTHROTTLED
    from tests.e2e.server import server_process

    env = {
        **UNTHROTTLED,
        "FORVEN_API_KEY": KEYS["x-api-key"],
        "FORVEN_OPERATOR_KEY": KEYS["x-operator-key"],
        "TRADEGRAPH_TICK_SYMBOLS": SYMBOL,
        "TRADEGRAPH_SCHEDULER": "true",
    }
    for name in args.scenarios.split(","):
        with (
            tempfile.TemporaryDirectory() as data,
            server_process(Path(data), "--no-demo", env=env) as (base, process),
        ):
            prepare(base)
            mode = "graphql" if name == "graphql" else "ws"
            report = scenario(args, base, process.pid, mode, slow=name == "slow")
            print(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
