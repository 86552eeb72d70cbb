"""GraphQL queries: fields, relations, filters, cursors, and the statement budget."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.approvals import create_approval
from resolvers.lab.services import Lab
from resolvers.lifecycle import transition_strategy
from resolvers.trades import close_trade, open_trade
from resolvers.trading_agents import ensure_seed_agent
from tests.resolvers.factories import make_hypothesis, make_strategy
from tests.schema.helpers import count_statements, error_codes, gql

NESTED = """
query Nested($first: Int) {
  strategies(first: $first) {
    edges { node { id name stage hypothesis { id title } trades { id pnl status } } }
  }
}
"""

PAGE = """
query Page($after: String) {
  strategies(first: 2, after: $after, stage: QUICK_SCREEN) {
    edges { cursor node { id } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def _factory(app: Any) -> async_sessionmaker[AsyncSession]:
    return app.state.services.session_factory  # type: ignore[no-any-return]


async def _seed(app: Any, strategies: int, trades_each: int) -> None:
    async with _factory(app)() as session:
        parents = [await make_hypothesis(session, f"h{i}") for i in range(5)]
        for i in range(strategies):
            strategy = await make_strategy(session, parents[i % 5], name=f"s{i}")
            for j in range(trades_each):
                trade = await open_trade(
                    session,
                    strategy_id=strategy.id,
                    symbol="BTC",
                    side="buy",
                    size=1,
                    entry_price=100 + j,
                )
                await close_trade(session, trade_id=trade.id, exit_price=101 + j)
        await session.commit()


class TestNestedListQuery:
    async def test_fifty_strategies_with_trades_and_hypothesis_take_three_statements(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        await _seed(app, strategies=50, trades_each=2)
        engine = _factory(app)
        with count_statements(engine) as statements:
            body = await gql(client, NESTED, {"first": 50})
        assert "errors" not in body, body
        edges = body["data"]["strategies"]["edges"]
        assert len(edges) == 50
        assert all(len(e["node"]["trades"]) == 2 for e in edges)
        assert all(e["node"]["hypothesis"]["title"].startswith("h") for e in edges)
        # the strategies page, then one batched load each for trades and hypotheses
        assert len(statements) <= 3, statements

    async def test_total_count_costs_one_more_statement_only_when_asked(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        await _seed(app, strategies=3, trades_each=0)
        engine = _factory(app)
        with count_statements(engine) as statements:
            body = await gql(client, "{ strategies { totalCount nodes { id } } }")
        assert body["data"]["strategies"]["totalCount"] == 3
        assert len(statements) == 2, statements


class TestPagination:
    async def test_walks_every_row_once(self, app: Any, client: httpx.AsyncClient) -> None:
        await _seed(app, strategies=5, trades_each=0)
        seen: list[str] = []
        after = None
        while True:
            body = await gql(client, PAGE, {"after": after})
            page = body["data"]["strategies"]
            seen += [e["node"]["id"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert seen == [str(i) for i in range(1, 6)]

    async def test_bad_cursor_is_a_coded_error(self, client: httpx.AsyncClient) -> None:
        body = await gql(client, PAGE, {"after": "garbage"})
        assert error_codes(body) == ["INVALID_CURSOR"]


class TestRelations:
    async def test_approval_target_history_and_agent(
        self, app: Any, client: httpx.AsyncClient, lab: Lab
    ) -> None:
        async with _factory(app)() as session:
            strategy = await make_strategy(session, lab=lab)
            await transition_strategy(
                session,
                strategy_id=strategy.id,
                target="research_only",
                enforce_gates=False,
                lab=lab,
            )
            await create_approval(
                session,
                type="promote",
                target_type="strategy",
                target_id=str(strategy.id),
                owner="risk",
            )
            await ensure_seed_agent(session)
            await session.commit()
        body = await gql(
            client,
            """{
              approvals(status: PENDING) { nodes { status target { __typename
                ... on Strategy { name stage history { fromStage toStage } } } } }
              tradingAgent { id status phase marketMode }
            }""",
        )
        assert "errors" not in body, body
        [approval] = body["data"]["approvals"]["nodes"]
        assert approval["target"]["__typename"] == "Strategy"
        assert approval["target"]["stage"] == "RESEARCH_ONLY"
        assert approval["target"]["history"] == [
            {"fromStage": None, "toStage": "QUICK_SCREEN"},
            {"fromStage": "QUICK_SCREEN", "toStage": "RESEARCH_ONLY"},
        ]
        assert body["data"]["tradingAgent"] == {
            "id": "seed",
            "status": "PAPER",
            "phase": "PAPER",
            "marketMode": "SPOT",
        }

    async def test_unknown_id_is_not_found(self, client: httpx.AsyncClient) -> None:
        body = await gql(client, "{ strategy(id: 999) { id } }")
        assert error_codes(body) == ["NOT_FOUND"]
        assert body["errors"][0]["extensions"]["http"]["status"] == 404
        body = await gql(client, '{ strategy(id: "abc") { id } }')
        assert error_codes(body) == ["INVALID_ID"]
