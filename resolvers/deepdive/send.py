"""The streamed answer to an operator's deep-dive turn, shared by the SSE route and the GraphQL
subscription.

`send_deepdive_message` yields a `DeepdiveToken` per chunk of the model policy's `chat` chain
as it arrives (resolvers/models/stream.py: fallbacks only before the first chunk), then either
the persisted answer (`DeepdiveMessageView`, status complete) or a `DeepdiveError` (no
provider answered, or the serving one failed mid-answer; the answer is persisted as failed,
with the text received until then). Stopped from outside (the client disconnected: the
generator is cancelled or closed), it closes the provider's stream and persists the text
received so far as `interrupted`.

Three transactions, none held while the provider is awaited (SQLite has one writer): the
operator's message (the caller's, `start_deepdive_turn`, committed before the stream starts),
the policy read and provider set-up, the answer with its model_calls rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from resolvers.deepdive.threads import DeepdiveMessageView, DeepdiveTurn, add_message
from resolvers.lab.services import Lab
from resolvers.models.registry import Providers
from resolvers.models.stream import ModelStream, Transaction, start_stream
from resolvers.views import View

TASK_KIND = "chat"


@dataclass(frozen=True, slots=True)
class DeepdiveToken(View):
    """A piece of the answer, as the provider sent it."""

    text: str


@dataclass(frozen=True, slots=True)
class DeepdiveError(View):
    """The answer failed: no provider of the chat chain answered, or the serving one failed
    mid-answer. The failed answer is persisted (message_id)."""

    code: Annotated[str, "a PROVIDER_* code (PROVIDER_NOT_CONFIGURED when none is set up)"]
    detail: str
    message_id: Annotated[int, "the failed answer's message, with the text received"]


DeepdiveEvent = DeepdiveToken | DeepdiveMessageView | DeepdiveError


async def send_deepdive_message(
    transaction: Transaction,
    *,
    turn: DeepdiveTurn,
    lab: Lab,
    providers: Providers | None = None,
) -> AsyncIterator[DeepdiveEvent]:
    """The answer to `turn` as it streams: tokens, then the persisted answer or an error."""
    stream = start_stream(TASK_KIND)
    texts: AsyncIterator[str] | None = None
    parts: list[str] = []
    try:
        await stream.open(transaction, messages=turn.prompt, lab=lab, providers=providers)
        texts = stream.texts()
        async for text in texts:
            parts.append(text)
            yield DeepdiveToken(text)
    except BaseException:  # cancelled or closed: the client left
        if texts is not None:
            await texts.aclose()  # type: ignore[attr-defined]
        await stream.aclose()
        await _answer(transaction, stream, turn, lab, "".join(parts), "interrupted")
        raise
    failure = stream.failure
    if failure is None:
        yield await _answer(transaction, stream, turn, lab, "".join(parts), "complete")
        return
    failed = await _answer(transaction, stream, turn, lab, "".join(parts), "failed")
    yield DeepdiveError(code=failure.code, detail=failure.message, message_id=failed.id)


async def _answer(
    transaction: Transaction,
    stream: ModelStream,
    turn: DeepdiveTurn,
    lab: Lab,
    text: str,
    status: str,
) -> DeepdiveMessageView:
    """Persist the answer and every attempt's model_calls row in one transaction."""
    serving, usage = stream.serving, stream.usage
    async with transaction() as session:
        stream.record(session, lab)
        return await add_message(
            session,
            thread_id=turn.thread_id,
            role="assistant",
            content=text,
            status=status,
            provider=serving.provider if serving else None,
            model=serving.model if serving else None,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            error_code=stream.failure.code if stream.failure is not None else None,
        )
