"""`complete`: one model call for a task kind, routed by the policy, with its fallbacks.

The chain (the task kind's model, then its fallbacks) is tried in order; a provider error
(PROVIDER_* codes, including an unconfigured provider) moves on to the next, any other error
is raised. Every attempt is a `model_calls` row (tokens, cost, latency, ok or its error code)
added to the caller's session: the caller's commit keeps them (when every provider fails the
error propagates, and a request boundary's rollback drops the rows: commit first to keep
them). Cost: `lab` costs 0; an HTTP model's from TRADEGRAPH_OPENAI_PRICES (USD per million
prompt/completion tokens), else 0 with `priced` false.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput
from resolvers.lab.services import Lab
from resolvers.models.policy import routes_of
from resolvers.models.providers import (
    LAB,
    TASK_KINDS,
    ChatAnswer,
    Message,
    ProviderError,
    ProviderNotConfigured,
    Usage,
    chat_once,
)
from resolvers.models.registry import Providers, not_configured, providers_for
from storage.providers import POLICY_ROW_ID, ModelCall, ModelPolicy


@dataclass(frozen=True, slots=True)
class Completion:
    """The answer and who gave it, with every attempt's call row."""

    text: str
    provider: str
    model: str
    usage: Usage
    calls: list[ModelCall] = field(default_factory=list)


def cost_of(lab: Lab, provider: str, model: str, usage: Usage) -> tuple[float, bool]:
    """(USD, priced) of one call."""
    if provider == LAB:
        return 0.0, True
    price = lab.config.openai_prices.get(model)
    if price is None:
        return 0.0, False
    prompt, completion = price
    return (usage.prompt_tokens * prompt + usage.completion_tokens * completion) / 1e6, True


async def complete(
    session: AsyncSession,
    *,
    task_kind: str,
    messages: list[Message],
    lab: Lab,
    providers: Providers | None = None,
) -> Completion:
    """Answer `messages` with the policy's chain for `task_kind`, recording each attempt."""
    if task_kind not in TASK_KINDS:
        raise InvalidInput(
            f"unknown task kind {task_kind!r}",
            code="UNKNOWN_TASK_KIND",
            details={"field": "task_kind"},
        )
    route = routes_of(await session.get(ModelPolicy, POLICY_ROW_ID))[task_kind]
    chain = [(route["provider"], route["model"])]
    chain += [(f["provider"], f["model"]) for f in route["fallback"]]
    found = providers if providers is not None else providers_for(session, lab)
    calls: list[ModelCall] = []
    failure: ProviderError | ProviderNotConfigured | None = None
    for name, model in chain:
        started = time.perf_counter()
        try:
            provider = found.get(name)
            if provider is None:
                raise not_configured(name)
            answer: ChatAnswer = await chat_once(provider, messages, model=model)
        except (ProviderError, ProviderNotConfigured) as exc:
            failure = exc
            calls.append(_record(session, lab, name, model, task_kind, started, None, exc.code))
            continue
        calls.append(_record(session, lab, name, model, task_kind, started, answer.usage, None))
        await session.flush()
        return Completion(answer.text, name, model, answer.usage, calls)
    await session.flush()
    assert failure is not None  # the chain has at least the task kind's own model
    failure.details = {
        **failure.details,
        "attempts": [
            {"provider": c.provider, "model": c.model, "error_code": c.error_code} for c in calls
        ],
    }
    raise failure


def _record(
    session: AsyncSession,
    lab: Lab,
    provider: str,
    model: str,
    task_kind: str,
    started: float,
    usage: Usage | None,
    error_code: str | None,
) -> ModelCall:
    used = usage or Usage()
    cost, priced = cost_of(lab, provider, model, used)
    row = ModelCall(
        provider=provider,
        model=model,
        task_kind=task_kind,
        prompt_tokens=used.prompt_tokens,
        completion_tokens=used.completion_tokens,
        cost_usd=cost,
        priced=priced,
        latency_ms=(time.perf_counter() - started) * 1000,
        ok=error_code is None,
        error_code=error_code,
    )
    session.add(row)
    return row
