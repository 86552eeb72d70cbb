"""Run the real `tradegraph serve` process on a free port for a test."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(data_dir: Path, *extra: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Starts `tradegraph serve`, waits for /api/health, yields its base URL, then stops it."""
    with server_process(data_dir, *extra, env=env) as (base, _process):
        yield base


@contextmanager
def server_process(
    data_dir: Path, *extra: str, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`running_server` that also yields the process, for tests that watch how it exits."""
    port = free_port()
    command = [
        sys.executable, "-m", "server.cli", "serve", "--port", str(port),
        "--data-dir", str(data_dir), "--log-level", "warning", *extra,
    ]  # fmt: skip
    with spawned_process(command, port, env=env) as started:
        yield started


@contextmanager
def running_process(
    command: list[str], port: int, *, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Iterator[str]:
    """Runs a server command listening on `port` until it is healthy; stops it afterwards."""
    with spawned_process(command, port, env=env, cwd=cwd) as (base, _process):
        yield base


@contextmanager
def spawned_process(
    command: list[str], port: int, *, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`running_process`, yielding the base URL and the process."""
    process = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                output = process.stdout.read() if process.stdout else ""
                raise RuntimeError(f"server exited early:\n{output}")
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("server did not become healthy within 60 s")
            time.sleep(0.1)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def read_output_until(process: subprocess.Popen[str], marker: str, *, timeout: float = 30.0) -> str:
    """What the process printed up to and including the first line containing `marker`
    (for a server that prints something once it listens, such as `serve --dev`'s keys)."""
    assert process.stdout is not None
    stream = process.stdout
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in iter(stream.readline, ""):
            lines.put(line)
            if marker in line:
                return

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError(f"no {marker!r} in the output:\n{''.join(seen)}") from None
        seen.append(line)
        if marker in line:
            return "".join(seen)


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (children, their children...), read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # it ended while we looked
        # the command name (field 2) may hold spaces and parentheses: split after its last ")"
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    waiting = [pid]
    while waiting:
        below = children.get(waiting.pop(), [])
        found.extend(below)
        waiting.extend(below)
    return found


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def kill_hard(process: subprocess.Popen[str], *, timeout: float = 10.0) -> list[int]:
    """SIGKILL a server and every process it started (its pool workers), as a crash would:
    no handler runs, no lease is released. Answers the descendants' pids, all gone."""
    below = descendants(process.pid)
    process.kill()
    for pid in below:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=timeout)
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in below):
        if time.monotonic() > deadline:
            raise TimeoutError(f"processes outlived SIGKILL: {[p for p in below if alive(p)]}")
        time.sleep(0.05)
    return below


def write_bars_csv(path: Path, *, bars: int, seed: int, start: datetime, hours: int = 1) -> None:
    """`bars` seeded synthetic OHLCV bars (resolvers/quant/market.py) as a CSV file that
    `tradegraph datasets import` reads; the same arguments write the same bytes."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from resolvers.quant.market import generate_candles

    candles = generate_candles(
        symbol="BTC-USD", seed=seed, start=start, periods=bars, interval=timedelta(hours=hours)
    )
    columns = ("ts", "open", "high", "low", "close", "volume")
    pacsv.write_csv(pa.table({name: getattr(candles, name) for name in columns}), path)


def import_dataset(data_dirs: list[Path], csv: Path, *, symbol: str, timeframe: str) -> None:
    """`tradegraph datasets import` of one CSV file into each data directory, side by side."""
    running = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "server.cli",
                "datasets",
                "import",
                str(csv),
                "--symbol",
                symbol,
                "--timeframe",
                timeframe,
                "--data-dir",
                str(data_dir),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        for data_dir in data_dirs
    ]
    for process in running:
        output, _ = process.communicate(timeout=300)
        if process.returncode != 0:
            raise RuntimeError(f"datasets import failed:\n{output}")
