"""Parity cases of diagnostics and health (collected by test_parity.py): the snapshot, the
resumable tasks and a resume, the component health and its alerts.

What is measured at the moment of each read (the time of the check, the database's round
trip, the age of the scheduler's last run) differs between two reads by nature; those values
are taken from the REST answer, everything else is compared."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from resolvers.health import watch_health
from resolvers.jobs import claim_job, enqueue_job, sweep_jobs
from resolvers.research.datasets import store_dataset
from storage.base import utcnow
from storage.outbox import commit_and_publish
from storage.providers import ModelCall
from tests.resolvers.research.test_quality import bars
from tests.rest_compat.parity_kit import Case, Ids, many, normalize, rest_get, rest_send, selection

MEASURED = {"checked_at", "generated_at", "latency_ms"}


def steady(rest: Any, graphql: Any) -> Any:
    """`graphql` with the measured values of `rest` (the scheduler's age among them)."""
    if isinstance(rest, dict) and isinstance(graphql, dict):
        out = {key: steady(rest.get(key), value) for key, value in graphql.items()}
        for key in MEASURED & set(rest):
            out[key] = rest[key]
        if rest.get("name") == "scheduler":
            out["value"] = rest["value"]
        return out
    if isinstance(rest, list) and isinstance(graphql, list) and len(rest) == len(graphql):
        return [steady(r, g) for r, g in zip(rest, graphql, strict=True)]
    return graphql


def measured(shape: str, field: str) -> Any:
    def build(ids: Ids, rest: Any) -> tuple[str, Any]:
        query = f"{{ x: {field} {{ {selection(shape)} }} }}"
        return query, lambda data: steady(rest, normalize(shape, data["x"]))

    return build


def resumed(ids: Ids, rest: Any) -> tuple[str, Any]:
    """The resumed task as GraphQL's job(id) has it, and absent from resumableTasks (so
    its recovered_at is null); run_after, which the Job type does not carry, from REST."""
    query = (
        f'{{ x: job(id: "{rest["id"]}") {{ id kind status attempts maxAttempts progress '
        f"progressMessage createdAt }} y: resumableTasks {{ id }} }}"
    )

    def pick(data: Any) -> Any:
        job = data["x"]
        listed = any(task["id"] == rest["id"] for task in data["y"])
        return {
            "id": job["id"],
            "kind": job["kind"],
            "brain_task": job["kind"] == "brain.chat",
            "status": job["status"],
            "attempts": job["attempts"],
            "max_attempts": job["maxAttempts"],
            "progress": job["progress"],
            "progress_message": job["progressMessage"],
            "recovered_at": "listed" if listed else None,
            "run_after": rest["run_after"],
            "created_at": job["createdAt"],
        }

    return query, pick


CASES: list[Case] = [
    Case("get_diagnostics_snapshot", rest_get("/api/diagnostics/snapshot"),
         measured("DiagnosticsSnapshot", "diagnosticsSnapshot")),
    Case("list_resumable_tasks", rest_get("/api/diagnostics/resumable"),
         many("ResumableTask", "resumableTasks")),
    Case("resume_task", rest_send("POST", "/api/diagnostics/resumable/{interrupted}/resume"),
         resumed),
    Case("get_health_status", rest_get("/api/health/status"),
         measured("HealthStatus", "healthStatus")),
    Case("list_health_alerts", rest_get("/api/health/alerts", limit=5),
         many("HealthAlert", "healthAlerts", "(limit: 5)")),
]  # fmt: skip


async def interrupt(session: Any, kind: str) -> int:
    """A job of `kind` whose owner died mid-run, taken back by the sweeper."""
    now = utcnow()
    job = await enqueue_job(session, kind=kind, payload={"prompt": "hello"}, now=now)
    claimed = await claim_job(session, kinds=[kind], owner="dead", lease_seconds=30, now=now)
    assert claimed is not None and claimed.id == job.id
    await sweep_jobs(session, now=now + timedelta(minutes=5), stale_after=60)
    return job.id


async def prepare(client: httpx.AsyncClient, ids: Ids) -> Ids:
    """Model calls, a truncated dataset, two interrupted jobs (one a brain task), and a
    scheduler that went down (an alert)."""
    lab = ids["lab"]
    async with ids["sessions"]() as session:
        now = utcnow()
        session.add_all([
            ModelCall(provider="lab", model="lab-analyst", task_kind="chat", prompt_tokens=10,
                      completion_tokens=5, cost_usd=0.0, created_at=now),
            ModelCall(provider="openai", model="gpt-x", task_kind="chat", prompt_tokens=100,
                      completion_tokens=50, cost_usd=0.25, ok=False, error_code="UPSTREAM_ERROR",
                      created_at=now),
        ])  # fmt: skip
        await store_dataset(
            session, symbol="DIAG-USD", timeframe="1d", source="csv", bars=bars(5, step=86_400),
            quality_extra={"truncated": True, "requested_start": "2025-01-01T00:00:00+00:00",
                           "first_available": "2026-01-01T00:00:00+00:00"},
        )  # fmt: skip
        interrupted = await interrupt(session, "brain.chat")
        await interrupt(session, "diagnostics.probe")
        lab.running["scheduler"] = lambda: False
        await watch_health(session, lab=lab)
        del lab.running["scheduler"]
        await commit_and_publish(session, None)
    return {"interrupted": str(interrupted)}
