"""The indicator catalog (GET /indicators): what the strategy runtime actually computes.

Read from resolvers/quant/catalog.py; the session is unused (the catalog is code, not data)
but kept so that every resolver has the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.quant.catalog import REGISTRY, IndicatorSpec
from resolvers.views import View


@dataclass(frozen=True, slots=True)
class IndicatorParam(View):
    """A tunable argument (default null when required)."""

    name: str
    default: float | None  # None when the caller must give it


@dataclass(frozen=True, slots=True)
class IndicatorInfo(View):
    """An indicator the built-in strategies compute."""

    rest_name = "Indicator"
    graphql_name = "Indicator"

    name: str
    title: str
    description: str
    inputs: list[str]
    params: list[IndicatorParam]
    outputs: list[str]
    used_by: Annotated[list[str], "strategy families that compute it"]


def indicator_info(spec: IndicatorSpec) -> IndicatorInfo:
    return IndicatorInfo(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        inputs=list(spec.inputs),
        params=[IndicatorParam(name, default) for name, default in spec.params],
        outputs=list(spec.outputs),
        used_by=list(spec.used_by),
    )


async def list_indicators(session: AsyncSession) -> list[IndicatorInfo]:
    """Every indicator a built-in strategy family reads, by name."""
    return sorted((indicator_info(spec) for spec in REGISTRY), key=lambda info: info.name)
