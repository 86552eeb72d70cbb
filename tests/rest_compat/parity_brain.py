"""Parity cases of the brain routes (collected by test_parity.py).

A direct
run is compared with a second direct run of the same prompt through GraphQL's runBrainChat:
the lab model answers the same rows the same way, and only what the first run itself added
differs (the memory it wrote, recalled by the second into a longer prompt, and the times).
The finished task is run by a job runner of the brain kind only, as the server's would.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from server.brain_jobs import run_brain_chat_job
from server.executors import ThreadExecutor
from server.workers import JobWorkers
from tests.rest_compat.parity_kit import (
    Case,
    Ids,
    normalize,
    one,
    paged,
    rest_get,
    rest_send,
    selection,
)

PROMPT = "Which strategies and pending approvals need a look?"


def rerun(ids: Ids, rest: Any) -> tuple[str, Any]:
    query = (
        f'mutation {{ x: runBrainChat(prompt: "{PROMPT}") {{ {selection("BrainChatResult")} }} }}'
    )
    # the second run recalls the first run's memory: its system message is longer
    fresh = ("memories_used", "memories_written", "prompt_tokens", "finished_at")
    return query, lambda data: {
        **normalize("BrainChatResult", data["x"]),
        **{key: rest[key] for key in fresh},
    }


CASES: list[Case] = [
    Case("get_brain_overview", rest_get("/api/brain/overview"),
         one("BrainOverview", "brainOverview", "")),
    Case("get_brain_memory", rest_get("/api/brain/memory", limit=10),
         paged("BrainMemory", "brainMemory", "(first: 10)")),
    Case("queue_brain_chat",
         rest_send("POST", "/api/brain/chat", lambda ids: {"prompt": PROMPT}),
         one("BrainTask", "brainTask", '(taskId: "{rest[task_id]}")')),
    Case("run_brain_chat",
         rest_send("POST", "/api/brain/chat/direct", lambda ids: {"prompt": PROMPT}), rerun),
    Case("get_brain_chat_task", rest_get("/api/brain/chat/{brain_task}"),
         one("BrainChatResult", "brainChatResult", '(taskId: "{brain_task}")')),
]  # fmt: skip


async def prepare(client: httpx.AsyncClient, ids: Ids) -> Ids:
    """One brain task queued and run to the end by a runner of the brain kind only (its
    memory is the memory page's row)."""
    task = (await client.post("/api/brain/chat", json={"prompt": PROMPT})).json()
    runner = JobWorkers(
        ids["sessions"],
        None,
        executor=ThreadExecutor(),
        handlers={"brain.chat": run_brain_chat_job},
        lab=ids["lab"],
        poll_seconds=0.05,
    )
    await runner.start()
    try:
        for _ in range(400):
            polled = await client.get(f"/api/brain/chat/{task['task_id']}")
            if polled.status_code == 200:
                break
            await asyncio.sleep(0.05)
    finally:
        await runner.stop()
    assert polled.status_code == 200 and polled.json()["status"] == "succeeded", polled.text
    return {"brain_task": task["task_id"]}
