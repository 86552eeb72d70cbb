"""End to end: a gauntlet in the real `tradegraph serve` process, SIGKILLed mid-step (with its
process pool) and restarted on the same database, finishes with the result of a run nobody
interrupted; the gauntletWorkflow subscription delivers a running gauntlet's step changes.

Both runs judge one CSV file imported into two fresh data directories with the
`tradegraph datasets import` command, so their bars, dataset descriptor, trial count and
battery seed are identical. The kill is not timed by sleeps: the test polls the workflow until
the target step is `running` (marked so before its bars are read and its test runs in the
pool, which takes a good part of a second on BARS bars), kills then, and checks in the
database that the step was still running with no finish time when the process died.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from tests.e2e.server import alive, import_dataset, kill_hard, server_process, write_bars_csv

pytestmark = pytest.mark.e2e

# a bound, not a speed check: on a loaded 2-core CI machine a whole gauntlet on these bars has
# taken over a minute beside the rest of the suite (about 10 s alone)
PATIENCE = 240.0
BARS = 400_000  # 1h bars: walk_forward then takes ~0.5 s in the pool on this machine
TARGET = "walk_forward"  # one of the slower tests, so the kill lands inside it
KEYS = {"x-api-key": "e2e-api-key", "x-operator-key": "e2e-operator-key"}
ENV = {
    "FORVEN_API_KEY": KEYS["x-api-key"],
    "FORVEN_OPERATOR_KEY": KEYS["x-operator-key"],
    "TRADEGRAPH_JOBS": "true",  # tests/conftest.py turns the runner off for in-process tests
    "TRADEGRAPH_JOB_LEASE_SECONDS": "3",
    "TRADEGRAPH_JOB_STALE_SECONDS": "3",
    "TRADEGRAPH_JOB_SWEEP_SECONDS": "1",
    "TRADEGRAPH_JOB_POOL_SIZE": "1",
}
HYPOTHESIS = {
    "title": "Trend persistence after breakouts",
    "thesis": "Prices that cross above their moving average keep trending for a while.",
}
SETTLED = ("passed", "failed")
SUBSCRIBE = """subscription($id: ID!) { gauntletWorkflow(id: $id) {
  id status steps { id name status attempts finishedAt } } }"""


def start_gauntlet(http: httpx.Client) -> int:
    """A hypothesis, its strategy (only hypothesis_id given) and its gauntlet; the workflow id."""
    hypothesis = http.post("/api/hypotheses/manual", json=HYPOTHESIS)
    assert hypothesis.status_code == 201, hypothesis.text
    created = {"hypothesis_id": hypothesis.json()["id"]}
    strategy = http.post("/api/backtesting/strategies", json=created)
    assert strategy.status_code == 201, strategy.text
    assert (strategy.json()["symbol"], strategy.json()["timeframe"]) == ("BTC-USD", "1h")
    workflow = http.post(f"/api/gauntlet/strategies/{strategy.json()['id']}/workflow")
    assert workflow.is_success, workflow.text
    body = workflow.json()
    assert body["dataset"]["kind"] == "dataset" and body["dataset"]["rows"] == BARS
    return int(body["id"])


@contextlib.contextmanager
def serving(data_dir: Path) -> Iterator[tuple[httpx.Client, subprocess.Popen[str]]]:
    """A server on `data_dir` with the job runner on, and a client of it with the keys."""
    with (
        server_process(data_dir, "--no-demo", env=ENV) as (base, process),
        httpx.Client(base_url=base, headers=KEYS, timeout=10) as http,
    ):
        yield http, process


def workflow(http: httpx.Client, workflow_id: int) -> dict[str, Any]:
    response = http.get(f"/api/gauntlet/workflows/{workflow_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def wait_settled(
    http: httpx.Client, workflow_id: int, *, timeout: float = PATIENCE
) -> dict[str, Any]:
    """Poll the workflow until it is passed or failed."""
    deadline = time.monotonic() + timeout
    while (current := workflow(http, workflow_id))["status"] not in SETTLED:
        assert current["status"] == "running", current
        if time.monotonic() > deadline:
            pytest.fail(f"the gauntlet did not settle: {current}")
        time.sleep(0.1)
    return current


def wait_running(http: httpx.Client, workflow_id: int, name: str) -> dict[str, Any]:
    """Poll (tightly) until step `name` is running; that step."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        step = next(s for s in workflow(http, workflow_id)["steps"] if s["name"] == name)
        if step["status"] == "running":
            return dict(step)
        assert step["status"] in ("pending", "queued"), f"{name} ended before the kill: {step}"
        time.sleep(0.005)
    pytest.fail(f"step {name} never ran")


def stored_step(data_dir: Path, step_id: int) -> tuple[str, str | None, int]:
    """A step's status, finish time and attempts as the database holds them."""
    with contextlib.closing(sqlite3.connect(data_dir / "tradegraph.db")) as db:
        row = db.execute(
            "SELECT status, finished_at, attempts FROM gauntlet_steps WHERE id = ?", (step_id,)
        ).fetchone()
    assert row is not None
    return str(row[0]), row[1], int(row[2])


async def subscribed_states(base: str, workflow_id: int) -> list[dict[str, Any]]:
    """Every state gauntletWorkflow(id) delivers, until the server completes the stream."""
    async with connect(
        base.replace("http", "ws", 1) + "/graphql",
        subprotocols=[Subprotocol("graphql-transport-ws")],
        additional_headers=KEYS,
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": KEYS}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        payload = {"query": SUBSCRIBE, "variables": {"id": str(workflow_id)}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        states: list[dict[str, Any]] = []
        async with asyncio.timeout(PATIENCE):
            while (message := json.loads(await ws.recv()))["type"] == "next":
                assert "errors" not in message["payload"], message
                states.append(message["payload"]["data"]["gauntletWorkflow"])
        assert message["type"] == "complete", message
        return states


def outcome(state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return state["status"], {s["name"]: (s["status"], s["result"]) for s in state["steps"]}


def test_a_gauntlet_killed_mid_step_recovers_to_the_uninterrupted_result(tmp_path: Path) -> None:
    csv, crashed, reference = tmp_path / "bars.csv", tmp_path / "crashed", tmp_path / "reference"
    write_bars_csv(csv, bars=BARS, seed=11, start=datetime(1975, 1, 1, tzinfo=UTC))
    import_dataset([crashed, reference], csv, symbol="BTC-USD", timeframe="1h")

    # server A: runs the gauntlet until TARGET is running, then dies with its pool
    with serving(crashed) as (http, process):
        workflow_id = start_gauntlet(http)
        step = wait_running(http, workflow_id, TARGET)
        pool = kill_hard(process)
    assert process.returncode == -signal.SIGKILL
    assert pool and not any(alive(pid) for pid in pool)  # the pool worker died with it
    status, finished_at, attempts = stored_step(crashed, step["id"])
    assert (status, finished_at, attempts) == ("running", None, 1), "killed after the step ended"

    # server B, same database: the sweep takes the stale job back and the step runs again
    with serving(crashed) as (http, _process):
        recovered = wait_settled(http, workflow_id)
    steps = {s["name"]: s for s in recovered["steps"]}
    assert steps[TARGET]["attempts"] >= 2
    assert all(s["finished_at"] is not None and s["status"] in ("passed", "failed")
               for s in steps.values()), steps  # fmt: skip

    # the reference: the same bars and strategy, nobody interrupting, watched over GraphQL
    with serving(reference) as (http, _process):
        reference_id = start_gauntlet(http)
        states = asyncio.run(subscribed_states(str(http.base_url).rstrip("/"), reference_id))
        uninterrupted = workflow(http, reference_id)
    assert outcome(recovered) == outcome(uninterrupted)
    assert all(s["attempts"] == 1 for s in uninterrupted["steps"])

    # the subscription saw the steps change one by one until the workflow settled (GraphQL
    # spells the statuses as enum values: RUNNING for running)
    assert states[-1]["status"] == uninterrupted["status"].upper()
    assert [s["status"] for s in states[-1]["steps"]] == [
        s["status"].upper() for s in uninterrupted["steps"]
    ]
    # (each event makes it read the workflow again, so a fast step may show only finished)
    finished = [sum(s["finishedAt"] is not None for s in state["steps"]) for state in states]
    assert finished == sorted(finished) and len(set(finished)) >= 5, finished
    seen = {(s["name"], s["status"]) for state in states for s in state["steps"]}
    assert (TARGET, "RUNNING") in seen
    assert all(state["status"] == "RUNNING" for state in states[:-1])
