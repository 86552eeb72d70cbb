"""`complete_stream`: a streamed model call for a task kind, with the policy's fallbacks.

The streaming counterpart of `complete` (resolvers/models/complete.py): the chain is tried in
order until a provider yields its first chunk; a provider error (PROVIDER_* codes, an
unconfigured provider) before that moves on to the next, after it there is no fallback (the
caller has shown text already) and the stream ends with `failure` set. Every attempt becomes
a `model_calls` row once the caller calls `record` in a transaction of its own: the stream
itself holds no database transaction while it waits on the provider (SQLite has one writer),
each attempt opens one only to build its provider (the `lab` analyst reads its rows when it
is asked, before its first chunk). Latency is the attempt's whole duration; tokens are the
provider's reported usage (a stream closed before the provider reported it records 0).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput
from resolvers.lab.services import Lab
from resolvers.models.complete import cost_of
from resolvers.models.policy import routes_of
from resolvers.models.providers import (
    TASK_KINDS,
    ChatChunk,
    Message,
    ProviderError,
    ProviderNotConfigured,
    Usage,
    chat_stream,
)
from resolvers.models.registry import Providers, not_configured, providers_for
from storage.providers import POLICY_ROW_ID, ModelCall, ModelPolicy

# one unit of work: a session whose changes are committed (and their events published) when
# the block ends without an error; the transports build it (REST: rest_compat/runtime.py
# boundary, GraphQL: schema/deepdive.py)
Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]
Failure = ProviderError | ProviderNotConfigured
INTERRUPTED = "INTERRUPTED"  # a call the caller stopped (its client left), not a provider error


@dataclass
class Attempt:
    """One provider tried: how long it ran and how it ended."""

    provider: str
    model: str
    started: float
    ended: float | None = None
    usage: Usage | None = None
    error_code: str | None = None


@dataclass
class ModelStream:
    """The answer's text chunks from the first provider that produced one.

    `open` it, then iterate `texts()`; `failure` is set when every provider failed before its
    first chunk (nothing to iterate) or the serving one failed mid-stream (the iteration
    ends). `aclose` stops the provider (closing its connection) when the caller gives up.
    """

    task_kind: str
    attempts: list[Attempt] = field(default_factory=list)
    failure: Failure | None = None
    _chunks: AsyncIterator[ChatChunk] | None = None
    _first: ChatChunk | None = None

    @property
    def serving(self) -> Attempt | None:
        """The attempt that produced the first chunk, if one did."""
        return self.attempts[-1] if self._first is not None else None

    @property
    def usage(self) -> Usage:
        serving = self.serving
        return (serving.usage if serving else None) or Usage()

    async def open(
        self,
        transaction: Transaction,
        *,
        messages: list[Message],
        lab: Lab,
        providers: Providers | None = None,
    ) -> None:
        """Try the policy's chain for the task kind until a provider yields its first chunk
        (or every one failed: `failure`)."""
        async with transaction() as session:
            route = routes_of(await session.get(ModelPolicy, POLICY_ROW_ID))[self.task_kind]
        chain = [(route["provider"], route["model"])]
        chain += [(f["provider"], f["model"]) for f in route["fallback"]]
        for name, model in chain:
            attempt = Attempt(name, model, time.perf_counter())
            self.attempts.append(attempt)
            chunks: AsyncIterator[ChatChunk] | None = None
            try:
                async with transaction() as session:
                    found = providers if providers is not None else providers_for(session, lab)
                    provider = found.get(name)
                    if provider is None:
                        raise not_configured(name)
                    chunks = await chat_stream(provider, messages, model=model)
                # outside the transaction: an HTTP provider sends its request only now
                self._chunks = chunks
                first = await anext(chunks, ChatChunk(text=""))
            except (ProviderError, ProviderNotConfigured) as exc:
                attempt.ended, attempt.error_code = time.perf_counter(), exc.code
                self.failure, self._chunks = exc, None
                await _close(chunks)
                continue
            self.failure, self._first = None, first
            return
        assert self.failure is not None  # the chain has at least the task kind's own model
        self.failure.details = {
            **self.failure.details,
            "attempts": [
                {"provider": a.provider, "model": a.model, "error_code": a.error_code}
                for a in self.attempts
            ],
        }

    async def texts(self) -> AsyncIterator[str]:
        """The answer's text chunks as they arrive (none when `open` found no provider)."""
        if self._first is None or self._chunks is None:
            return
        serving = self.attempts[-1]
        chunk: ChatChunk | None = self._first
        try:
            while chunk is not None:
                if chunk.usage is not None:
                    serving.usage = chunk.usage
                if chunk.text:
                    yield chunk.text
                chunk = await anext(self._chunks, None)
        except (ProviderError, ProviderNotConfigured) as exc:
            self.failure, serving.error_code = exc, exc.code
        # stopped from outside (cancelled, closed), the attempt is left for `aclose`
        serving.ended = time.perf_counter()

    async def aclose(self) -> None:
        """Stop: close the provider's stream (its HTTP connection) when the caller gives up
        (the client left); the attempt still running is recorded as INTERRUPTED."""
        await _close(self._chunks)
        if self.attempts and self.attempts[-1].ended is None:
            current = self.attempts[-1]
            current.ended, current.error_code = time.perf_counter(), INTERRUPTED

    def record(self, session: AsyncSession, lab: Lab) -> list[ModelCall]:
        """Add one model_calls row per attempt to `session` (the caller commits)."""
        rows = []
        for attempt in self.attempts:
            used = attempt.usage or Usage()
            cost, priced = cost_of(lab, attempt.provider, attempt.model, used)
            ended = attempt.ended if attempt.ended is not None else time.perf_counter()
            row = ModelCall(
                provider=attempt.provider,
                model=attempt.model,
                task_kind=self.task_kind,
                prompt_tokens=used.prompt_tokens,
                completion_tokens=used.completion_tokens,
                cost_usd=cost,
                priced=priced,
                latency_ms=(ended - attempt.started) * 1000,
                ok=attempt.error_code is None,
                error_code=attempt.error_code,
            )
            session.add(row)
            rows.append(row)
        return rows


def start_stream(task_kind: str) -> ModelStream:
    """A stream for `task_kind`, not opened yet (`open` tries the chain)."""
    if task_kind not in TASK_KINDS:
        raise InvalidInput(
            f"unknown task kind {task_kind!r}",
            code="UNKNOWN_TASK_KIND",
            details={"field": "task_kind"},
        )
    return ModelStream(task_kind)


async def complete_stream(
    transaction: Transaction,
    *,
    task_kind: str,
    messages: list[Message],
    lab: Lab,
    providers: Providers | None = None,
) -> ModelStream:
    """A streamed answer to `messages` by the policy's chain for `task_kind`, opened: it has
    its first chunk, or `failure` set when every provider failed."""
    stream = start_stream(task_kind)
    await stream.open(transaction, messages=messages, lab=lab, providers=providers)
    return stream


async def _close(chunks: AsyncIterator[ChatChunk] | None) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        await aclose()
