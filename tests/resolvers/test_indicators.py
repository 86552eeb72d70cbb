"""GET /indicators: the catalog as the API lists it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.indicators import list_indicators
from resolvers.quant.catalog import REGISTRY
from resolvers.quant.strategies import FAMILIES


class TestListIndicators:
    async def test_lists_the_catalog_by_name(self, session: AsyncSession) -> None:
        infos = await list_indicators(session)
        assert [i.name for i in infos] == sorted(spec.name for spec in REGISTRY)
        assert all(i.title and i.description and i.outputs for i in infos)
        assert {family for i in infos for family in i.used_by} == set(FAMILIES)

    async def test_params_carry_their_defaults(self, session: AsyncSession) -> None:
        infos = {i.name: i for i in await list_indicators(session)}
        assert [(p.name, p.default) for p in infos["macd"].params] == [
            ("fast", 12),
            ("slow", 26),
            ("signal", 9),
        ]
        assert infos["donchian"].inputs == ["high", "low"]
        assert infos["donchian"].outputs == ["middle", "upper", "lower"]
        assert infos["keltner"].used_by == ["squeeze_breakout"]
