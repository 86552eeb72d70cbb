"""The Halyrd routes through the generated layer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from codegen.catalog import HALYRD
from resolvers.trades import close_trade, open_trade
from resolvers.trading_agents import ensure_seed_agent
from tests.rest_compat.helpers import sessions


@pytest.fixture
async def seeded(app: Any) -> None:
    async with sessions(app)() as session:
        await ensure_seed_agent(session)
        for phase, price in (("paper", 100.0), ("paper", 101.0), ("live", 102.0)):
            trade = await open_trade(
                session,
                trading_agent_id="seed",
                symbol="BTC",
                side="buy",
                size=1,
                entry_price=price,
                phase=phase,
            )
            if phase == "paper":
                await close_trade(session, trade_id=trade.id, exit_price=price + 1)
        await session.commit()


@pytest.mark.usefixtures("seeded")
class TestAgents:
    async def test_list(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/agents")
        assert response.status_code == 200
        [agent] = response.json()
        assert agent["id"] == "seed" and agent["status"] == "PAPER"

    async def test_current_and_seed_are_identical(self, client: httpx.AsyncClient) -> None:
        current = await client.get("/agents/current")
        seed = await client.get("/agents/seed")
        assert current.status_code == seed.status_code == 200
        assert current.json() == seed.json()
        assert set(seed.json()) == {
            "id", "name", "status", "phase", "market_mode", "last_heartbeat",
        }  # fmt: skip

    async def test_unknown_agent(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/agents/nobody")
        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"

    @pytest.mark.parametrize(("phase", "count"), [("paper", 2), ("live", 1), ("all", 3)])
    async def test_trades_by_phase(self, client: httpx.AsyncClient, phase: str, count: int) -> None:
        response = await client.get("/agents/current/trades", params={"phase": phase})
        assert response.status_code == 200
        trades = response.json()
        assert len(trades) == count
        assert all(t["agent_id"] == "seed" for t in trades)
        if phase != "all":
            assert {t["phase"] for t in trades} == {phase}

    async def test_trades_default_to_all_and_reject_unknown_phase(
        self, client: httpx.AsyncClient
    ) -> None:
        assert len((await client.get("/agents/seed/trades")).json()) == 3
        response = await client.get("/agents/seed/trades", params={"phase": "demo"})
        assert response.status_code == 422
        assert response.json()["code"] == "VALIDATION_ERROR"


def test_every_halyrd_row_is_built() -> None:
    """The seed's table, roadmap rows included: none of them answers 501 any more."""
    assert [r.key for r in HALYRD if r.state == "planned"] == []
