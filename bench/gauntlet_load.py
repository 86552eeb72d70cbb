"""`GET /api/health` latency while gauntlets run, against the same server idle (issue 14: p99
within 1.5x of idle).

Usage: .venv/bin/python bench/gauntlet_load.py [--bars 200000] [--gauntlets 6]
       [--seconds 10] [--connections 1] [--json FILE]
Needs wrk (apt-get install -y wrk). Writes `bars` seeded synthetic 1h bars as a CSV file and
imports it with `tradegraph datasets import` (outside the timing), then starts
`tradegraph serve` on that data dir (SQLite, no demo data, the keys and no rate limit of
bench/wrk.py KEYED, the job runner on with TRADEGRAPH_JOB_POOL_SIZE=1: on a 2-core machine
the pool takes one core and the API keeps the other).

1. idle: `wrk --latency -t1 -c<connections>` on GET /api/health for --seconds;
2. busy: `gauntlets` hypotheses, a strategy each (only hypothesis_id given, so they judge the
   imported dataset), a gauntlet each; once a first step finished (the pool process is
   started: its spawn is not what is measured) and another runs, the same wrk run again. Every step
   reads its bars in the server process and runs its test in the pool, so both the API's
   process (the reads, the job writes, the events) and the machine (the pool) are loaded.
   After the run it checks that a gauntlet was still running, i.e. the pool never went idle
   within the window, and reports how many steps finished meanwhile.

With one connection wrk keeps a single request in flight, so each latency is the server's own
response time, not a queue behind wrk's other requests. Prints the p50/p99 of both runs and
the p99 ratio busy/idle; --json FILE also writes them.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.wrk import BENCH_KEYS, KEYED, require_wrk  # noqa: E402
from tests.e2e.server import import_dataset, running_server, write_bars_csv  # noqa: E402

GOAL = 1.5
JOBS = {
    **KEYED,
    "TRADEGRAPH_JOBS": "true",
    "TRADEGRAPH_JOB_POOL_SIZE": "1",
    "TRADEGRAPH_SCHEDULER": "false",  # the agents' loop would load the API on its own
}
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def latency(base: str, *, seconds: float, connections: int) -> dict[str, float]:
    """GET /api/health under wrk: p50 and p99 in ms and requests per second."""
    command = [require_wrk(), "--latency", "-t1", f"-c{connections}",
               f"-d{max(1, round(seconds))}s"]  # fmt: skip
    for header, value in BENCH_KEYS.items():
        command += ["-H", f"{header}: {value}"]
    output = subprocess.run(
        [*command, base + "/api/health"], capture_output=True, text=True, check=True
    ).stdout
    return read_wrk(output)


def read_wrk(output: str) -> dict[str, float]:
    """p50 and p99 (ms) and requests per second from `wrk --latency` output."""
    if "Non-2xx" in output:
        raise RuntimeError(f"non-2xx responses from /api/health\n{output}")
    figures = {"rps": _number(r"Requests/sec:\s+([\d.]+)", output)}
    for share in ("50", "99"):
        match = re.search(rf"^\s+{share}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        if match is None:
            raise RuntimeError(f"no {share}% line in the wrk output:\n{output}")
        figures[f"p{share}_ms"] = float(match.group(1)) * UNITS[match.group(2)]
    return figures


def _number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    if match is None:
        raise RuntimeError(f"cannot read wrk output:\n{text}")
    return float(match.group(1))


def start_gauntlets(http: httpx.Client, count: int) -> list[int]:
    """`count` hypotheses with a default strategy and a gauntlet each; the workflow ids."""
    ids = []
    for n in range(count):
        hypothesis = http.post("/api/hypotheses/manual", json={"title": f"load {n}"})
        hypothesis.raise_for_status()
        strategy = http.post(
            "/api/backtesting/strategies", json={"hypothesis_id": hypothesis.json()["id"]}
        )
        strategy.raise_for_status()
        workflow = http.post(f"/api/gauntlet/strategies/{strategy.json()['id']}/workflow")
        workflow.raise_for_status()
        ids.append(int(workflow.json()["id"]))
    return ids


def workflows(http: httpx.Client, ids: list[int]) -> list[dict[str, Any]]:
    out = []
    for workflow_id in ids:
        response = http.get(f"/api/gauntlet/workflows/{workflow_id}")
        response.raise_for_status()
        out.append(response.json())
    return out


def wait_until_warm(http: httpx.Client, ids: list[int], timeout: float = 120.0) -> None:
    """Until a step has finished (the pool process is started and warm) and another runs, or
    every gauntlet settled (tiny settings)."""
    deadline = time.monotonic() + timeout
    while True:
        states = workflows(http, ids)
        running = any(step["status"] == "running" for w in states for step in w["steps"])
        if finished_steps(states) and (running or all(w["status"] != "running" for w in states)):
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the gauntlets did not start")
        time.sleep(0.05)


def finished_steps(states: list[dict[str, Any]]) -> int:
    return sum(step["finished_at"] is not None for w in states for step in w["steps"])


def measure(*, bars: int, gauntlets: int, seconds: float, connections: int) -> dict[str, Any]:
    """Health latency idle, then while `gauntlets` gauntlets run on `bars` bars (module doc)."""
    with tempfile.TemporaryDirectory(prefix="tg-gauntlet-load-") as tmp:
        data_dir, csv = Path(tmp) / "data", Path(tmp) / "bars.csv"
        write_bars_csv(csv, bars=bars, seed=5, start=datetime(1990, 1, 1, tzinfo=UTC))
        import_dataset([data_dir], csv, symbol="BTC-USD", timeframe="1h")
        with (
            running_server(data_dir, "--no-demo", "--log-level", "error", env=JOBS) as base,
            httpx.Client(base_url=base, headers=BENCH_KEYS, timeout=30) as http,
        ):
            latency(base, seconds=1, connections=connections)  # warm-up
            idle = latency(base, seconds=seconds, connections=connections)
            ids = start_gauntlets(http, gauntlets)
            wait_until_warm(http, ids)
            before = finished_steps(workflows(http, ids))
            busy = latency(base, seconds=seconds, connections=connections)
            after = workflows(http, ids)
    return {
        "bars": bars,
        "gauntlets": gauntlets,
        "seconds": seconds,
        "connections": connections,
        "idle": idle,
        "busy": busy,
        "p99_ratio": busy["p99_ms"] / idle["p99_ms"],
        "steps_finished_in_window": finished_steps(after) - before,
        "steps_finished": finished_steps(after),
        "busy_throughout": any(w["status"] == "running" for w in after),
    }


def report(figures: dict[str, Any]) -> str:
    """The figures as a markdown table and a one-line reading."""
    rows = [
        "| GET /api/health | p50 ms | p99 ms | requests/s |",
        "|---|---:|---:|---:|",
    ]
    for name in ("idle", "busy"):
        f = figures[name]
        label = "idle" if name == "idle" else "while gauntlets run"
        rows.append(f"| {label} | {f['p50_ms']:.2f} | {f['p99_ms']:.2f} | {f['rps']:,.0f} |")
    verdict = "met" if figures["p99_ratio"] <= GOAL else "NOT met"
    busy = "yes" if figures["busy_throughout"] else "NO (the gauntlets ended inside the window)"
    rows.append("")
    rows.append(
        f"p99 busy/idle {figures['p99_ratio']:.2f}x (goal <= {GOAL}x: {verdict}); "
        f"{figures['steps_finished_in_window']} steps finished in the window; "
        f"pool busy throughout: {busy}"
    )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=200_000)
    parser.add_argument("--gauntlets", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    require_wrk()
    figures = measure(
        bars=args.bars,
        gauntlets=args.gauntlets,
        seconds=args.seconds,
        connections=args.connections,
    )
    print(
        f"GET /api/health, wrk -t1 -c{args.connections} -d{round(args.seconds)}s; "
        f"{args.gauntlets} gauntlets on {args.bars:,} 1h bars, pool of 1 process"
    )
    print(report(figures))
    if args.json:
        args.json.write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
