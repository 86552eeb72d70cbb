"""GET /api/agents/model-options: the models of every provider, the HTTP ones cached.

The cache is in memory, on the lab (`lab.model_lists`), per base URL, for
TRADEGRAPH_MODEL_LIST_TTL seconds (default 300): a model list changes rarely and a second
instance fetching its own copy costs one request. `refresh=true` fetches again. A failed
fetch is not cached; the provider is then listed with its error code and message (and the
last good list when there is one) instead of failing the whole answer, since `lab` and the
other providers still answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.lab.services import Lab
from resolvers.models.cache import ListedModels, ModelListCache
from resolvers.models.openai import OpenAIProvider
from resolvers.models.providers import PROVIDERS, ProviderError
from resolvers.models.registry import Providers, providers_for
from resolvers.views import View
from storage.base import utcnow


@dataclass(frozen=True, slots=True)
class ProviderModels(View):
    """One provider's models, or why they could not be listed."""

    provider: str
    configured: Annotated[bool, "false: its settings are missing (TRADEGRAPH_OPENAI_BASE_URL)"]
    models: Annotated[list[str], "its model ids (the last good list when the fetch failed)"]
    fetched_at: Annotated[datetime | None, "when the list was fetched (null for lab)"]
    cached: Annotated[bool, "answered from the cache rather than fetched now"]
    error_code: Annotated[str | None, "PROVIDER_UNREACHABLE, PROVIDER_TIMEOUT, ... on failure"]
    error: Annotated[str | None, "the failure's message"]


@dataclass(frozen=True, slots=True)
class ModelOptions(View):
    """The models each provider offers, for the model policy and agents to choose from."""

    providers: list[ProviderModels]
    ttl_seconds: Annotated[float, "how long an HTTP provider's list is cached"]


async def provider_models(
    providers: Providers, name: str, *, cache: ModelListCache, ttl: float, refresh: bool = False
) -> ProviderModels:
    """One provider's models: `lab` directly, an HTTP provider from the cache or fetched."""
    provider = providers.get(name)
    if provider is None:
        return ProviderModels(name, False, [], None, False, None, None)
    if not isinstance(provider, OpenAIProvider):
        return ProviderModels(name, True, await provider.list_models(), None, False, None, None)
    known = cache.get(provider.base_url)
    if known and not refresh and time.monotonic() - known.at_monotonic < ttl:
        return ProviderModels(name, True, known.models, known.at, True, None, None)
    try:
        models = await provider.list_models()
    except ProviderError as exc:
        old = known.models if known else []
        return ProviderModels(
            name, True, old, known.at if known else None, bool(known), exc.code, exc.message
        )
    listed = cache.put(provider.base_url, ListedModels(time.monotonic(), utcnow(), models))
    return ProviderModels(name, True, models, listed.at, False, None, None)


async def list_model_options(
    session: AsyncSession, *, lab: Lab, refresh: bool = False
) -> ModelOptions:
    """GET /api/agents/model-options: every provider's models (`refresh` re-fetches)."""
    providers = providers_for(session, lab)
    ttl = lab.config.model_list_ttl_seconds
    listed = [
        await provider_models(providers, n, cache=lab.model_lists, ttl=ttl, refresh=refresh)
        for n in PROVIDERS
    ]
    return ModelOptions(providers=listed, ttl_seconds=ttl)
