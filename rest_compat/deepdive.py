"""`POST /api/deepdive/threads/{id}/send`: the deep-dive chat as server-sent events.

Hand-written transport route (DESIGN: SSE is one of them), over sse-starlette. Before any
event, the request is checked and the operator's message committed (resolvers/deepdive/
threads.py): a refusal is the usual JSON envelope (401/503 keys, 404 no such strategy, 422
INVALID_MESSAGE or VALIDATION_ERROR). Then `text/event-stream`: `event: token` per chunk
(`data: {"text"}`), then `event: message` (the persisted answer) or `event: error`
(`{"code", "detail", "message_id"}`); a comment line `: ping` every TRADEGRAPH_DEEPDIVE_PING
seconds keeps proxies from closing a quiet stream.

The answer runs in a task of its own, fed to the response through a queue: a client that
disconnects makes sse-starlette cancel the response's task group, whose cancellation would
also interrupt the cleanup. Cancelled once instead, the answer closes the provider's stream
and persists the text so far as `interrupted` (resolvers/deepdive/send.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import orjson
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession
from sse_starlette import EventSourceResponse, ServerSentEvent

from resolvers.deepdive.send import DeepdiveError, DeepdiveEvent, DeepdiveToken
from resolvers.deepdive.send import send_deepdive_message as stream_answer
from resolvers.deepdive.threads import start_deepdive_turn
from rest_compat.access import GATES
from rest_compat.runtime import Int64, boundary, lab_of

log = logging.getLogger("tradegraph.deepdive")
router = APIRouter()
PATH = "/api/deepdive/threads/{id}/send"
_END = object()
_ANSWERS: set[asyncio.Task[None]] = set()  # answers still finishing after their client left


class SendBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: Any = None  # checked by the resolver (422 INVALID_MESSAGE)


@router.post(PATH, tags=["deepdive"], include_in_schema=False, dependencies=[GATES["operator"]])
async def send_deepdive_message(request: Request, id: Int64, body: SendBody) -> Any:
    """Streaming SSE chat for a strategy."""
    async with boundary(request, write=True) as session:
        turn = await start_deepdive_turn(session, thread_id=id, message=body.message)

    def transaction() -> AbstractAsyncContextManager[AsyncSession]:
        return boundary(request, write=True)

    answer = stream_answer(transaction, turn=turn, lab=lab_of(request))
    ping = request.app.state.settings.deepdive_ping_seconds
    return EventSourceResponse(_events(answer), ping=ping, sep="\n")


def sse(event: DeepdiveEvent) -> ServerSentEvent:
    """One event on the wire: its kind and its JSON."""
    if isinstance(event, DeepdiveToken):
        kind = "token"
    elif isinstance(event, DeepdiveError):
        kind = "error"
    else:
        kind = "message"
    return ServerSentEvent(data=orjson.dumps(event).decode(), event=kind)


async def _events(answer: AsyncIterator[DeepdiveEvent]) -> AsyncIterator[ServerSentEvent]:
    queue: asyncio.Queue[object] = asyncio.Queue()

    async def pump() -> None:
        try:
            async for event in answer:
                queue.put_nowait(event)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("deep-dive answer failed")
        finally:
            queue.put_nowait(_END)

    task = asyncio.create_task(pump())
    _ANSWERS.add(task)
    task.add_done_callback(_ANSWERS.discard)
    try:
        while (event := await queue.get()) is not _END:
            yield sse(event)  # type: ignore[arg-type]
    finally:
        if not task.done():
            task.cancel()  # once: the answer's own cleanup then runs to its end
