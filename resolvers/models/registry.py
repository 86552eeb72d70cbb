"""The providers a lab has: `lab` always, `openai` when TRADEGRAPH_OPENAI_BASE_URL is set."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.lab.services import Lab
from resolvers.models.lab_analyst import LabProvider
from resolvers.models.openai import OpenAIProvider
from resolvers.models.providers import LAB, OPENAI, Provider, ProviderNotConfigured

Providers = dict[str, Provider]


def providers_for(session: AsyncSession, lab: Lab) -> Providers:
    """Every configured provider by name."""
    found: Providers = {LAB: LabProvider(session, lab)}
    if lab.config.openai_base_url:
        found[OPENAI] = OpenAIProvider(
            lab.config.openai_base_url,
            api_key=lab.config.openai_api_key,
            timeout=lab.config.openai_timeout_seconds,
        )
    return found


def not_configured(name: str) -> ProviderNotConfigured:
    """The 503 for a provider the settings do not configure."""
    return ProviderNotConfigured(
        f"provider {name!r} is not configured (TRADEGRAPH_OPENAI_BASE_URL)",
        details={"provider": name},
    )
