"""`GET /api/health` latency while gauntlets run, against the same server idle (issue 14: p99
within 1.5x of idle).

Usage: .venv/bin/python bench/gauntlet_load.py [--bars 200000] [--gauntlets 12]
       [--seconds 8] [--rounds 3] [--connections 1] [--json FILE]
Needs wrk (apt-get install -y wrk). Writes `bars` seeded synthetic 1h bars as a CSV file and
imports it with `tradegraph datasets import` (outside the timing), then starts
`tradegraph serve` on that data dir (SQLite, no demo data, the keys and no rate limit of
bench/wrk.py KEYED, the job runner on with TRADEGRAPH_JOB_POOL_SIZE=1: on a 2-core machine
the pool takes one core and the API keeps the other).

Each round is a pair, so drift on a shared machine hits both alike:
1. idle: `wrk --latency -t1 -c<connections>` on GET /api/health for --seconds;
2. busy: the first round creates `gauntlets` hypotheses, a strategy each (only hypothesis_id
   given, so they judge the imported dataset) and a gauntlet each, later rounds resume them;
   once a step has finished (the pool process is started: its spawn is not what is
   measured) and another runs, the same wrk run again. Every step reads and decodes its bars
   in the server process and runs its test in the pool, so both the API's process (the
   read, the job writes, the events) and the machine (the pool) are loaded. After the window
   it checks that a gauntlet was still running (the pool never went idle within it) and
   counts the steps finished meanwhile; then it cancels the gauntlets and waits QUIET_SECONDS
   for the pool to drain before the next idle run.

With one connection wrk keeps a single request in flight, so each latency is the server's own
response time, not a queue behind wrk's other requests. Prints the medians over the rounds,
each round, and the ratio of the median p99s busy/idle; --json FILE also writes them.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
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
    # a cancelled step's job notices at its next heartbeat, a third of the lease: 1 s here
    "TRADEGRAPH_JOB_LEASE_SECONDS": "3",
    "TRADEGRAPH_JOB_STALE_SECONDS": "3",
}
QUIET_SECONDS = 2.0  # after a cancel: the heartbeat's 1 s plus the step still in the pool
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


def control(http: httpx.Client, path: str, errors: list[str]) -> None:
    """POST a cancel or resume; a 5xx (SQLite's `database is locked` under a loaded machine)
    is recorded in `errors` and retried once a second later, so the rounds go on and the
    report shows it."""
    for _ in range(2):
        response = http.post(path, json={})
        if response.status_code == 409:
            return  # WORKFLOW_FINISHED: it settled between the read and this request
        if response.status_code < 500:
            response.raise_for_status()
            return
        errors.append(f"{path}: {response.status_code} {response.text[:200]}")
        time.sleep(1.0)
    response.raise_for_status()


def pause(http: httpx.Client, ids: list[int], errors: list[str]) -> None:
    """Cancel every unsettled gauntlet, then wait out the step the pool is still computing
    (its job sees the cancel at its next heartbeat, within a third of the lease)."""
    for state in workflows(http, ids):
        if state["status"] == "running":
            control(http, f"/api/gauntlet/workflows/{state['id']}/cancel", errors)
    time.sleep(QUIET_SECONDS)


def resume(http: httpx.Client, ids: list[int], errors: list[str]) -> None:
    for state in workflows(http, ids):
        if state["status"] == "cancelled":
            control(http, f"/api/gauntlet/workflows/{state['id']}/resume", errors)


def measure(
    *, bars: int, gauntlets: int, seconds: float, connections: int, rounds: int = 1
) -> dict[str, Any]:
    """Health latency idle and while `gauntlets` gauntlets run on `bars` bars, in `rounds`
    interleaved pairs (module doc); the medians over the rounds and each round's figures."""
    with tempfile.TemporaryDirectory(prefix="tg-gauntlet-load-") as tmp:
        data_dir, csv = Path(tmp) / "data", Path(tmp) / "bars.csv"
        write_bars_csv(csv, bars=bars, seed=5, start=datetime(1990, 1, 1, tzinfo=UTC))
        import_dataset([data_dir], csv, symbol="BTC-USD", timeframe="1h")
        with (
            running_server(data_dir, "--no-demo", "--log-level", "error", env=JOBS) as base,
            httpx.Client(base_url=base, headers=BENCH_KEYS, timeout=30) as http,
        ):
            latency(base, seconds=1, connections=connections)  # warm-up
            ids: list[int] = []
            runs: list[dict[str, Any]] = []
            errors: list[str] = []
            for _ in range(rounds):
                idle = latency(base, seconds=seconds, connections=connections)
                if ids:
                    resume(http, ids, errors)
                else:
                    ids = start_gauntlets(http, gauntlets)
                wait_until_warm(http, ids)
                before = finished_steps(workflows(http, ids))
                busy = latency(base, seconds=seconds, connections=connections)
                after = workflows(http, ids)
                runs.append({
                    "idle": idle,
                    "busy": busy,
                    "p99_ratio": busy["p99_ms"] / idle["p99_ms"],
                    "steps_finished_in_window": finished_steps(after) - before,
                    "busy_throughout": any(w["status"] == "running" for w in after),
                    # the 1-minute load average: other work on a shared machine shows here
                    "load_average": os.getloadavg()[0],
                })  # fmt: skip
                pause(http, ids, errors)
            steps = finished_steps(workflows(http, ids))
    median = {
        run: {key: statistics.median(r[run][key] for r in runs) for key in runs[0][run]}
        for run in ("idle", "busy")
    }
    return {
        "bars": bars,
        "gauntlets": gauntlets,
        "seconds": seconds,
        "connections": connections,
        "rounds": runs,
        **median,
        "p99_ratio": median["busy"]["p99_ms"] / median["idle"]["p99_ms"],
        "steps_finished": steps,
        "busy_throughout": all(r["busy_throughout"] for r in runs),
        "server_errors": errors,
    }


def report(figures: dict[str, Any]) -> str:
    """The figures as markdown tables (medians, then each round) and a one-line reading."""
    rows = [
        "| GET /api/health (median of rounds) | p50 ms | p99 ms | requests/s |",
        "|---|---:|---:|---:|",
    ]
    for name, label in (("idle", "idle"), ("busy", "while gauntlets run")):
        f = figures[name]
        rows.append(f"| {label} | {f['p50_ms']:.2f} | {f['p99_ms']:.2f} | {f['rps']:,.0f} |")
    rows += ["", "| round | idle p99 ms | busy p99 ms | ratio | steps in window | load avg |",
             "|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for n, r in enumerate(figures["rounds"], 1):
        rows.append(
            f"| {n} | {r['idle']['p99_ms']:.2f} | {r['busy']['p99_ms']:.2f} | "
            f"{r['p99_ratio']:.2f}x | {r['steps_finished_in_window']} | "
            f"{r['load_average']:.1f} |"
        )
    verdict = "met" if figures["p99_ratio"] <= GOAL else "NOT met"
    busy = "yes" if figures["busy_throughout"] else "NO (the gauntlets ended inside a window)"
    rows.append("")
    rows.append(
        f"p99 busy/idle (medians) {figures['p99_ratio']:.2f}x (goal <= {GOAL}x: {verdict}); "
        f"pool busy throughout every window: {busy}"
    )
    for error in figures["server_errors"]:
        rows.append(f"server error (retried): {error}")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=200_000)
    parser.add_argument("--gauntlets", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    require_wrk()
    figures = measure(
        bars=args.bars,
        gauntlets=args.gauntlets,
        seconds=args.seconds,
        connections=args.connections,
        rounds=args.rounds,
    )
    print(
        f"GET /api/health, wrk -t1 -c{args.connections} -d{round(args.seconds)}s; "
        f"{args.rounds} rounds; {args.gauntlets} gauntlets on {args.bars:,} 1h bars, "
        "pool of 1 process"
    )
    print(report(figures))
    if args.json:
        args.json.write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
