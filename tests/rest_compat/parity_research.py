"""Parity cases of the verdict and gauntlet routes (collected by test_parity.py).

The gauntlet's writes are compared with the GraphQL read of the workflow they answer; the
verdict, which GraphQL runs as a mutation of its own, with a second run of the same question:
the battery is deterministic, so only the new run's id, time and duration differ.
"""

from __future__ import annotations

from typing import Any

import httpx

from resolvers.research.gauntlet_steps import begin_step, compute_step, finish_step, load_step_bars
from resolvers.research.verdict import outcome_of
from tests.rest_compat.parity_kit import Case, Ids, normalize, one, rest_get, rest_send, selection

WORKFLOW = one("GauntletWorkflow", "gauntletWorkflow", '(id: "{rest[id]}")')
BARS = 600


def rerun(ids: Ids, rest: Any) -> tuple[str, Any]:
    """runVerdict asked the same question; its own id, time and duration are the only news."""
    query = (
        f"mutation {{ x: runVerdict(strategyId: {ids['quick']}, bars: {BARS}) "
        f"{{ {selection('Verdict')} }} }}"
    )
    fresh = ("id", "created_at", "elapsed_ms")
    return query, lambda data: {
        **normalize("Verdict", data["x"]),
        **{key: rest[key] for key in fresh},
    }


CASES: list[Case] = [
    Case("create_gauntlet_workflow",
         rest_send("POST", "/api/gauntlet/strategies/{quick}/workflow"), WORKFLOW),
    Case("get_gauntlet_workflow", rest_get("/api/gauntlet/workflows/{workflow}"), WORKFLOW),
    Case("resume_gauntlet_workflow",
         rest_send("POST", "/api/gauntlet/workflows/{cancelled}/resume",
                   lambda ids: {"max_steps": 1}), WORKFLOW),
    Case("cancel_gauntlet_workflow",
         rest_send("POST", "/api/gauntlet/workflows/{workflow}/cancel"), WORKFLOW),
    Case("retry_gauntlet_step", rest_send("POST", "/api/gauntlet/steps/{finished}/retry"),
         WORKFLOW),
    Case("run_verdict",
         rest_send("POST", "/verdict/run", lambda ids: {"strategy_id": ids["quick"], "bars": BARS}),
         rerun),
    Case("get_verdict_guide", rest_get("/verdict/guide"), one("VerdictGuide", "verdictGuide", "")),
]  # fmt: skip


async def prepare(client: httpx.AsyncClient, ids: Ids) -> Ids:
    """A running workflow whose first step finished (played as its worker would), and a
    cancelled one of another strategy."""
    strategies = (await client.get("/api/strategies", params={"limit": 500})).json()["items"]
    other = next(s["id"] for s in strategies if s["id"] != ids["quick"])
    created = await client.post(f"/api/gauntlet/strategies/{ids['quick']}/workflow")
    workflow = created.json()
    first = workflow["steps"][0]
    step, job, lab = first["id"], first["job_id"], ids["lab"]
    async with ids["sessions"]() as session:
        work = await begin_step(session, step_id=step, job_id=job, lab=lab)
        assert work is not None
        candles = await load_step_bars(session, dataset=work.dataset, lab=lab)
        outcome = outcome_of(compute_step(work, candles))
        await finish_step(session, step_id=step, job_id=job, outcome=outcome)
        await session.commit()
    second = (await client.post(f"/api/gauntlet/strategies/{other}/workflow")).json()
    await client.post(f"/api/gauntlet/workflows/{second['id']}/cancel")
    return {"workflow": workflow["id"], "finished": first["id"], "cancelled": second["id"]}
