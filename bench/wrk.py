"""Drive wrk (Debian package `wrk`) against one URL and read its requests per second."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import orjson

# Servers under wrk take thousands of requests a second from 127.0.0.1, far over the default
# TRADEGRAPH_RATE_LIMIT; the benchmarks measure the routes, so they start them without it.
UNTHROTTLED = {"TRADEGRAPH_RATE_LIMIT": ""}
# With no operator key configured the operator routes answer 503, so the benchmark servers run
# with both keys and every request carries them (the keys' check is part of what is measured)
BENCH_KEYS = {"x-api-key": "bench-api-key", "x-operator-key": "bench-operator-key"}
KEYED = {
    **UNTHROTTLED,
    "FORVEN_API_KEY": BENCH_KEYS["x-api-key"],
    "FORVEN_OPERATOR_KEY": BENCH_KEYS["x-operator-key"],
}


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    json_body: dict[str, object] | None = None


def require_wrk() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    return found


def _script(body: dict[str, object], folder: Path) -> Path:
    text = orjson.dumps(body).decode().replace("\\", "\\\\").replace("'", "\\'")
    script = folder / f"s{abs(hash(text))}.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = '{text}'\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    return script


def run(
    base: str, scenario: Scenario, *, seconds: float, connections: int, threads: int = 1
) -> float:
    """Requests per second; raises if any response was not 2xx."""
    command = [require_wrk(), f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    for header, value in BENCH_KEYS.items():
        command += ["-H", f"{header}: {value}"]
    with tempfile.TemporaryDirectory() as tmp:
        if scenario.json_body is not None:
            command += ["-s", str(_script(scenario.json_body, Path(tmp)))]
        output = subprocess.run(
            [*command, base + scenario.path], capture_output=True, text=True, check=True
        ).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"{scenario.name}: non-2xx responses\n{output}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not match:
        raise RuntimeError(f"cannot read wrk output:\n{output}")
    return float(match.group(1))
