"""The paper service and the emergency controls on GraphQL: the same resolvers as REST, their
codes in `extensions`, a failed exchange close kept although the mutation fails, and list
fields that cost a fixed number of statements."""

from __future__ import annotations

from typing import Any

import httpx

from resolvers.lifecycle import transition_strategy
from resolvers.trades import open_trade
from storage.trades import Trade
from tests.labs import app_lab
from tests.resolvers.factories import make_strategy
from tests.rest_compat.helpers import sessions
from tests.schema.helpers import count_statements, error_codes, gql

START = "mutation Start($ids: [ID!]) { startPaperService(strategyIds: $ids) { id status } }"
STOP = 'mutation { stopPaperService(reason: "done") { id status stopReason deployed } }'
SESSIONS = """
query Sessions($deployed: Boolean) {
  paperSessions(deployed: $deployed) {
    totalCount
    nodes { id status strategyIds tradeCount openTradeCount trades { id status paperSessionId } }
  }
}
"""
FORCE_CLOSE = "mutation F($id: ID!) { forceCloseTrade(id: $id) { id status pnl closeError } }"
MARK_FAILED = (
    'mutation M($id: ID!) { markTradeFailed(id: $id, reason: "stuck") { id status failureReason } }'
)


async def paper_strategy(app: Any) -> int:
    lab = app_lab(app)
    async with sessions(app)() as session:
        strategy = await make_strategy(session, lab=lab)
        for target in ("research_only", "paper"):
            await transition_strategy(
                session, strategy_id=strategy.id, target=target, enforce_gates=False, lab=lab
            )
        await session.commit()
        return strategy.id


async def venue_trade(app: Any) -> int:
    lab = app_lab(app)
    async with sessions(app)() as session:
        strategy = await make_strategy(session, lab=lab)
        trade = await open_trade(
            session, symbol="BTC-USD", side="sell", size=0.1, entry_price=1,
            strategy_id=strategy.id,
        )  # fmt: skip
        await lab.exchange.open(
            session, trade_id=trade.id, symbol="BTC-USD", side="sell", size=0.1,
            now=lab.clock.now(),
        )  # fmt: skip
        await session.commit()
        return trade.id


class TestPaperService:
    async def test_start_list_and_stop(self, app: Any, client: httpx.AsyncClient) -> None:
        strategy_id = await paper_strategy(app)
        first = await gql(client, START)
        assert "errors" not in first, first
        second = await gql(client, START, {"ids": [str(strategy_id)]})
        assert second["data"]["startPaperService"]["status"] == "RUNNING"
        running = (await gql(client, SESSIONS, {"deployed": True}))["data"]["paperSessions"]
        assert running["totalCount"] == 1
        assert running["nodes"][0]["id"] == second["data"]["startPaperService"]["id"]
        assert running["nodes"][0]["strategyIds"] == [strategy_id]
        stopped = await gql(client, STOP)
        assert stopped["data"]["stopPaperService"] == {
            "id": second["data"]["startPaperService"]["id"],
            "status": "STOPPED",
            "stopReason": "done",
            "deployed": False,
        }
        assert error_codes(await gql(client, STOP)) == ["PAPER_SERVICE_NOT_RUNNING"]

    async def test_refusals_carry_their_codes(self, app: Any, client: httpx.AsyncClient) -> None:
        assert error_codes(await gql(client, START)) == ["NO_PAPER_STRATEGIES"]
        assert error_codes(await gql(client, START, {"ids": ["12345"]})) == ["NOT_FOUND"]
        assert error_codes(await gql(client, START, {"ids": ["x"]})) == ["INVALID_ID"]
        body = await gql(client, '{ paperSession(id: "9") { id } }')
        assert error_codes(body) == ["NOT_FOUND"]

    async def test_sessions_and_their_trades_in_fixed_statements(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        strategy_id = await paper_strategy(app)
        ids = []
        for _ in range(4):  # each session opens a trade of its own
            started = await gql(client, START)
            session_id = int(started["data"]["startPaperService"]["id"])
            ids.append(session_id)
            async with sessions(app)() as session:
                await open_trade(
                    session, symbol="BTC-USD", side="buy", size=1, entry_price=1,
                    strategy_id=strategy_id, paper_session_id=session_id,
                )  # fmt: skip
                await session.commit()
        engine = sessions(app)
        with count_statements(engine) as statements:
            body = await gql(client, SESSIONS)
        assert "errors" not in body, body
        nodes = body["data"]["paperSessions"]["nodes"]
        assert [int(n["id"]) for n in nodes] == ids
        assert all([int(t["paperSessionId"]) for t in n["trades"]] == [int(n["id"])] for n in nodes)
        assert all((n["tradeCount"], n["openTradeCount"]) == (1, 1) for n in nodes)
        # count, the page, its trade counts, and one batched load of every session's trades
        assert len(statements) == 4, statements


class TestEmergencyControls:
    async def test_a_failed_close_is_kept_although_the_mutation_fails(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        trade_id = await venue_trade(app)
        app_lab(app).exchange.faults.fail_closes("BTC-USD")
        failed = await gql(client, FORCE_CLOSE, {"id": str(trade_id)})
        assert error_codes(failed) == ["EXCHANGE_CLOSE_FAILED"]
        assert failed["errors"][0]["extensions"]["http"]["status"] == 502
        async with sessions(app)() as session:
            row = await session.get(Trade, trade_id)
            assert row is not None and row.status == "open" and row.close_error
        app_lab(app).exchange.faults.clear()
        closed = await gql(client, FORCE_CLOSE, {"id": str(trade_id)})
        trade = closed["data"]["forceCloseTrade"]
        assert trade["status"] == "CLOSED" and trade["closeError"] is None and trade["pnl"]

    async def test_mark_failed_and_the_reads(self, app: Any, client: httpx.AsyncClient) -> None:
        kept, written_off = await venue_trade(app), await venue_trade(app)
        marked = await gql(client, MARK_FAILED, {"id": str(written_off)})
        assert marked["data"]["markTradeFailed"] == {
            "id": str(written_off),
            "status": "FAILED",
            "failureReason": "stuck",
        }
        assert error_codes(await gql(client, MARK_FAILED, {"id": str(written_off)})) == [
            "TRADE_NOT_OPEN"
        ]
        open_trades = await gql(
            client, "{ openTrades(verify: true) { id exchangeVerified exchangeDetail } }"
        )
        assert open_trades["data"]["openTrades"] == [
            {"id": str(kept), "exchangeVerified": True, "exchangeDetail": None}
        ]
        recent = await gql(client, "{ recentTrades(limit: 1) { id status } }")
        assert recent["data"]["recentTrades"] == [{"id": str(written_off), "status": "FAILED"}]
        assert error_codes(await gql(client, "{ recentTrades(limit: 0) { id } }")) == [
            "VALIDATION_ERROR"
        ]
