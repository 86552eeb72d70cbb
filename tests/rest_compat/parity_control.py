"""Parity cases of the Forven control routes (collected by test_parity.py).

Reads that mark the paper account to market (heartbeat, dashboard) depend on the lab clock:
their REST request first stops the clock at its current moment, so that the GraphQL read that
follows marks at the same instant. Writes are compared with the GraphQL read of what they
wrote (the control state through systemStatus, the report through lastReconciliation).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from resolvers.market.clock import MarketClock
from tests.rest_compat.parity_kit import (
    Case,
    Ids,
    many,
    normalize,
    one,
    rest_get,
    rest_send,
    selection,
)

Send = Callable[[httpx.AsyncClient, Ids], Awaitable[httpx.Response]]


def frozen(send: Send) -> Send:
    async def run(client: httpx.AsyncClient, ids: Ids) -> httpx.Response:
        lab = ids["lab"]  # the app's own (test_parity.py's ids fixture)
        moment = lab.clock.now()
        lab.clock = MarketClock(start=moment, wall=lambda: moment)
        return await send(client, ids)

    return run


def stopped_then(send: Send) -> Send:
    """Start from a stopped system, so that the start really changes something."""

    async def run(client: httpx.AsyncClient, ids: Ids) -> httpx.Response:
        assert (await client.post("/api/system/stop")).status_code == 200
        return await send(client, ids)

    return run


def scheduler_job(job_id: str) -> Callable[[Ids, Any], tuple[str, Any]]:
    def build(ids: Ids, rest: Any) -> tuple[str, Any]:
        query = f"{{ x: schedulerJobs {{ {selection('SchedulerJob')} }} }}"

        def pick(data: Any) -> Any:
            return next(normalize("SchedulerJob", j) for j in data["x"] if j["id"] == job_id)

        return query, pick

    return build


CONTROL = one("SystemControl", "systemStatus", "")
CASES: list[Case] = [
    Case("get_system_status", rest_get("/api/system/status"),
         one("SystemStatus", "systemStatus", "")),
    Case("get_system_heartbeat", frozen(rest_get("/api/system/heartbeat")),
         one("SystemHeartbeat", "systemHeartbeat", "")),
    Case("get_dashboard", frozen(rest_get("/api/dashboard")), one("Dashboard", "dashboard", "")),
    Case("stop_system", rest_send("POST", "/api/system/stop", lambda ids: {"reason": "parity"}),
         CONTROL),
    Case("start_system", stopped_then(rest_send("POST", "/api/system/start")), CONTROL),
    Case("get_system_mode", rest_get("/api/system/mode"), one("SystemMode", "systemMode", "")),
    Case("set_system_mode", rest_send("POST", "/api/system/mode", lambda ids: {"mode": "auto"}),
         one("SystemMode", "systemMode", "")),
    Case("set_execution_mode",
         rest_send("POST", "/api/execution-mode", lambda ids: {"mode": "paper"}), CONTROL),
    Case("reconcile_exchange", rest_send("POST", "/api/system/exchange/reconcile"),
         one("Reconciliation", "lastReconciliation", "")),
    Case("list_scheduler_jobs", rest_get("/api/scheduler"), many("SchedulerJob", "schedulerJobs")),
    Case("update_scheduler_job",
         rest_send("PATCH", "/api/scheduler/paper_tick",
                   lambda ids: {"interval_seconds": 42.5, "enabled": False}),
         scheduler_job("paper_tick")),
]  # fmt: skip


async def prepare(client: httpx.AsyncClient, ids: Ids) -> Ids:
    """Ids these cases need beyond the shared ones (demo data is seeded already)."""
    return {}
