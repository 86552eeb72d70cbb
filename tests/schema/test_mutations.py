"""GraphQL mutations: what they write, what they refuse, and that refusals write nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.agents import create_agent
from resolvers.approvals import create_approval
from storage.events import Event
from storage.hypotheses import Hypothesis
from storage.strategies import LifecycleTransition, Strategy
from tests.labs import use_lab
from tests.resolvers.lifecycle_kit import fixed_lab
from tests.schema.helpers import error_codes, gql

CREATE_HYPOTHESIS = """
mutation($input: CreateHypothesisInput!) {
  createHypothesis(input: $input) { id title lane status }
}
"""
CREATE_STRATEGY = """
mutation($input: CreateStrategyInput!) {
  createStrategy(input: $input) { id stage params hypothesis { id } history { toStage } }
}
"""
TRANSITION = """
mutation($id: ID!, $target: Stage!) {
  transitionStrategy(id: $id, target: $target) { id stage history { fromStage toStage } }
}
"""


def _factory(app: Any) -> async_sessionmaker[AsyncSession]:
    return app.state.services.session_factory  # type: ignore[no-any-return]


async def _count(app: Any, model: type) -> int:
    async with _factory(app)() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def _strategy(client: httpx.AsyncClient) -> str:
    hyp = await gql(client, CREATE_HYPOTHESIS, {"input": {"title": "Mean reversion"}})
    body = await gql(
        client,
        CREATE_STRATEGY,
        {
            "input": {
                "hypothesisId": hyp["data"]["createHypothesis"]["id"],
                "name": "RSI ETH",
                "family": "rsi_reversion",
                "symbol": "ETH",
            }
        },
    )
    assert "errors" not in body, body
    return str(body["data"]["createStrategy"]["id"])


class TestCreate:
    async def test_hypothesis_then_strategy(self, app: Any, client: httpx.AsyncClient) -> None:
        body = await gql(
            client, CREATE_HYPOTHESIS, {"input": {"title": " Funding ", "lane": "carry"}}
        )
        assert body["data"]["createHypothesis"]["title"] == "Funding"
        strategy_id = await _strategy(client)
        assert await _count(app, Strategy) == 1
        assert await _count(app, Event) == 3  # two hypotheses and one strategy
        body = await gql(client, f'{{ strategy(id: "{strategy_id}") {{ stage params }} }}')
        assert body["data"]["strategy"]["stage"] == "QUICK_SCREEN"
        assert body["data"]["strategy"]["params"]

    async def test_strategy_from_a_hypothesis_id_alone(self, client: httpx.AsyncClient) -> None:
        hyp = await gql(client, CREATE_HYPOTHESIS, {"input": {"title": "SOL momentum"}})
        hypothesis_id = hyp["data"]["createHypothesis"]["id"]
        body = await gql(
            client,
            "mutation($input: CreateStrategyInput!) { createStrategy(input: $input) "
            "{ name family symbol timeframe params } }",
            {"input": {"hypothesisId": hypothesis_id}},
        )
        created = body["data"]["createStrategy"]
        assert (created["family"], created["symbol"], created["timeframe"]) == (
            "macd_momentum",
            "SOL-USD",
            "1h",
        )
        assert created["name"] == "SOL momentum · MACD momentum"
        assert created["params"] == {"fast": 12, "slow": 26, "signal": 9}

    async def test_strategy_without_hypothesis_fails_validation(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        body = await gql(
            client,
            CREATE_STRATEGY,
            {"input": {"name": "x", "family": "ma_cross", "symbol": "BTC"}},
        )
        assert error_codes(body) == ["BAD_USER_INPUT"]
        body = await gql(
            client,
            CREATE_STRATEGY,
            {"input": {"hypothesisId": "12", "name": "x", "family": "ma_cross", "symbol": "BTC"}},
        )
        assert error_codes(body) == ["NOT_FOUND"]
        assert await _count(app, Strategy) == 0

    async def test_empty_title_is_rejected_and_nothing_written(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        body = await gql(client, CREATE_HYPOTHESIS, {"input": {"title": ""}})
        assert error_codes(body) == ["VALIDATION_ERROR"]
        assert body["data"] is None
        assert await _count(app, Hypothesis) == 0
        assert await _count(app, Event) == 0


class TestTransition:
    @pytest.fixture(autouse=True)
    def _lab(self, app: Any) -> None:
        """A stopped lab clock (after the app installed its own): at that moment the RSI ETH
        strategy passes the quick screen and not the paper gates (tests/resolvers/
        test_readiness.py pins the figures; the full walk is in tests/schema/test_lifecycle.py)."""
        use_lab(app, fixed_lab())

    async def test_forward_moves_and_history(self, client: httpx.AsyncClient) -> None:
        strategy_id = await _strategy(client)
        body = await gql(client, TRANSITION, {"id": strategy_id, "target": "RESEARCH_ONLY"})
        assert body["data"]["transitionStrategy"]["stage"] == "RESEARCH_ONLY"
        assert len(body["data"]["transitionStrategy"]["history"]) == 2
        body = await gql(client, TRANSITION, {"id": strategy_id, "target": "PAPER"})
        assert error_codes(body) == ["NOT_READY"], body

    async def test_backward_and_skipping_fail_and_change_nothing(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        strategy_id = await _strategy(client)
        await gql(client, TRANSITION, {"id": strategy_id, "target": "RESEARCH_ONLY"})
        before = (await _count(app, LifecycleTransition), await _count(app, Event))
        for target in ("QUICK_SCREEN", "RESEARCH_ONLY", "LIVE"):
            body = await gql(client, TRANSITION, {"id": strategy_id, "target": target})
            assert error_codes(body) == ["INVALID_TRANSITION"], body
            assert body["errors"][0]["extensions"]["http"]["status"] == 409
        assert (await _count(app, LifecycleTransition), await _count(app, Event)) == before
        body = await gql(client, f'{{ strategy(id: "{strategy_id}") {{ stage }} }}')
        assert body["data"]["strategy"]["stage"] == "RESEARCH_ONLY"

    async def test_unknown_enum_value(self, client: httpx.AsyncClient) -> None:
        strategy_id = await _strategy(client)
        body = await gql(client, TRANSITION, {"id": strategy_id, "target": "CANDIDATE"})
        assert error_codes(body) == ["BAD_USER_INPUT"]

    async def test_a_failing_field_rolls_back_the_whole_mutation(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        strategy_id = await _strategy(client)
        body = await gql(
            client,
            f"""mutation {{
              ok: transitionStrategy(id: "{strategy_id}", target: RESEARCH_ONLY) {{ stage }}
              bad: transitionStrategy(id: "{strategy_id}", target: QUICK_SCREEN) {{ stage }}
            }}""",
        )
        assert error_codes(body) == ["INVALID_TRANSITION"]
        body = await gql(client, f'{{ strategy(id: "{strategy_id}") {{ stage }} }}')
        assert body["data"]["strategy"]["stage"] == "QUICK_SCREEN"


class TestAgentsAndApprovals:
    async def test_update_agent(self, app: Any, client: httpx.AsyncClient) -> None:
        async with _factory(app)() as session:
            await create_agent(session, agent_id="researcher", name="Researcher", model="m-1")
            await session.commit()
        body = await gql(
            client,
            'mutation { updateAgent(id: "researcher", input: {model: "m-2"}) '
            "{ model description } }",
        )
        assert body["data"]["updateAgent"] == {"model": "m-2", "description": ""}
        body = await gql(
            client, 'mutation { updateAgent(id: "nobody", input: {model: "m"}) { id } }'
        )
        assert error_codes(body) == ["NOT_FOUND"]
        body = await gql(client, 'mutation { updateAgent(id: "researcher", input: {}) { id } }')
        assert error_codes(body) == ["VALIDATION_ERROR"]

    async def test_approve_then_deny_conflicts(self, app: Any, client: httpx.AsyncClient) -> None:
        async with _factory(app)() as session:
            row = await create_approval(
                session, type="promote", target_type="strategy", target_id="1", owner="risk"
            )
            await session.commit()
        body = await gql(
            client,
            f'mutation {{ approveApproval(id: "{row.id}", note: "fine") '
            "{ status decisions { action note } } }",
        )
        assert body["data"]["approveApproval"] == {
            "status": "APPROVED",
            "decisions": [{"action": "approve", "note": "fine"}],
        }
        body = await gql(client, f'mutation {{ denyApproval(id: "{row.id}") {{ status }} }}')
        assert error_codes(body) == ["APPROVAL_NOT_PENDING"]
