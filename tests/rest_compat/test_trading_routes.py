"""The trading and emergency-control routes through the generated layer: a force-close the
exchange refuses answers 502 and leaves the position visible, mark-failed, the open book with
re-verification, recent trades."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from resolvers.lab.services import Lab
from resolvers.trades import open_trade
from storage.events import Event
from storage.trades import Trade
from tests.labs import app_lab
from tests.resolvers.factories import make_strategy
from tests.rest_compat.helpers import sessions

TRADE_KEYS = {
    "id", "strategy_id", "agent_id", "symbol", "side", "size", "entry_price", "exit_price",
    "fees", "pnl", "status", "phase", "failure_reason", "opened_at", "closed_at", "close_error",
    "paper_session_id", "bot_id",
}  # fmt: skip


async def held_trades(app: Any, count: int = 1, *, size: float = 0.25) -> list[int]:
    """Strategy trades the paper exchange holds positions for, committed."""
    lab: Lab = app_lab(app)
    ids = []
    async with sessions(app)() as session:
        strategy = await make_strategy(session, lab=lab)
        for _ in range(count):
            trade = await open_trade(
                session, symbol="BTC-USD", side="buy", size=size, entry_price=1,
                strategy_id=strategy.id,
            )  # fmt: skip
            fill = await lab.exchange.open(
                session, trade_id=trade.id, symbol="BTC-USD", side="buy", size=size,
                now=lab.clock.now(),
            )  # fmt: skip
            trade.entry_price, trade.fees = fill.price, fill.fee
            ids.append(trade.id)
        await session.commit()
    return ids


async def events(app: Any, topic: str) -> int:
    async with sessions(app)() as session:
        return int(await session.scalar(select(func.count()).where(Event.topic == topic)) or 0)


class TestForceClose:
    async def test_a_failed_exchange_close_is_502_and_the_position_stays_visible(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        [trade_id] = await held_trades(app)
        app_lab(app).exchange.faults.fail_closes()
        refused = await client.post(f"/api/trades/{trade_id}/force-close")
        assert refused.status_code == 502, refused.text
        assert refused.json()["code"] == "EXCHANGE_CLOSE_FAILED"
        ledger = (await client.get("/api/trades", params={"status": "open"})).json()["items"]
        [still_open] = [t for t in ledger if t["id"] == trade_id]
        assert still_open["status"] == "open"
        assert "EXCHANGE_CLOSE_FAILED" in still_open["close_error"]
        assert await events(app, "trade.close_failed") == 1
        verified = (await client.get("/api/trades/open", params={"verify": "true"})).json()
        assert [(t["id"], t["exchange_verified"]) for t in verified] == [(trade_id, True)]

        app_lab(app).exchange.faults.clear()
        closed = await client.post(f"/api/trades/{trade_id}/force-close")
        assert closed.status_code == 200, closed.text
        body = closed.json()
        assert set(body) == TRADE_KEYS
        assert body["status"] == "closed" and body["pnl"] is not None
        assert body["close_error"] is None and body["exit_price"] > 0
        assert (await client.get("/api/trades", params={"status": "open"})).json()["items"] == []
        assert await events(app, "live.fill") == 1

    async def test_a_position_the_exchange_lost_is_502_and_suggests_mark_failed(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        [trade_id] = await held_trades(app)
        async with sessions(app)() as session:
            await app_lab(app).exchange.drop_position(session, trade_id=trade_id)
            await session.commit()
        refused = await client.post(f"/api/trades/{trade_id}/force-close")
        assert refused.status_code == 502
        assert refused.json()["code"] == "EXCHANGE_POSITION_MISSING"
        assert "mark-failed" in refused.json()["detail"]["message"]
        failed = await client.post(f"/api/trades/{trade_id}/mark-failed")
        assert failed.status_code == 200 and failed.json()["status"] == "failed"

    async def test_unknown_and_not_open(self, app: Any, client: httpx.AsyncClient) -> None:
        assert (await client.post("/api/trades/987/force-close")).status_code == 404
        assert (await client.post("/api/trades/abc/force-close")).status_code == 422
        [trade_id] = await held_trades(app)
        assert (await client.post(f"/api/trades/{trade_id}/force-close")).status_code == 200
        again = await client.post(f"/api/trades/{trade_id}/force-close")
        assert again.status_code == 409 and again.json()["code"] == "TRADE_NOT_OPEN"


class TestMarkFailed:
    async def test_records_the_reason_and_frees_the_trade(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        [trade_id, other] = await held_trades(app, 2)
        response = await client.post(
            f"/api/trades/{trade_id}/mark-failed", json={"reason": "venue outage"}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == TRADE_KEYS
        assert (body["status"], body["failure_reason"]) == ("failed", "venue outage")
        assert body["closed_at"] is not None and body["pnl"] is None
        open_ids = [t["id"] for t in (await client.get("/api/trades/open")).json()]
        assert open_ids == [other]
        assert await events(app, "trade.failed") == 1
        again = await client.post(f"/api/trades/{trade_id}/mark-failed")
        assert again.status_code == 409 and again.json()["code"] == "TRADE_NOT_OPEN"

    async def test_bad_bodies_change_nothing(self, app: Any, client: httpx.AsyncClient) -> None:
        [trade_id] = await held_trades(app)
        for body in ({"reason": "x" * 501}, {"reason": 5}, {"why": "extra"}):
            response = await client.post(f"/api/trades/{trade_id}/mark-failed", json=body)
            assert response.status_code == 422, body
        async with sessions(app)() as session:
            row = await session.get(Trade, trade_id)
            assert row is not None and row.status == "open"
        assert await events(app, "trade.failed") == 0
        assert (await client.post("/api/trades/555/mark-failed")).status_code == 404


class TestReads:
    async def test_open_trades_without_and_with_verification(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        [kept, lost] = await held_trades(app, 2)
        async with sessions(app)() as session:
            await app_lab(app).exchange.drop_position(session, trade_id=lost)
            await session.commit()
        plain = (await client.get("/api/trades/open")).json()
        assert set(plain[0]) == TRADE_KEYS | {"exchange_verified", "exchange_detail"}
        assert [(t["id"], t["exchange_verified"]) for t in plain] == [(kept, None), (lost, None)]
        checked = (await client.get("/api/trades/open", params={"verify": True})).json()
        assert [(t["id"], t["exchange_verified"]) for t in checked] == [(kept, True), (lost, False)]
        ledger = {t["id"]: t for t in (await client.get("/api/trades")).json()["items"]}
        for item in checked:  # the Trade shape plus the two verification fields
            trade = {k: v for k, v in item.items() if k in TRADE_KEYS}
            assert trade == ledger[item["id"]]

    async def test_recent_trades(self, app: Any, client: httpx.AsyncClient) -> None:
        ids = await held_trades(app, 3)
        await client.post(f"/api/trades/{ids[0]}/force-close")
        recent = (await client.get("/api/trades/recent")).json()
        assert [t["id"] for t in recent] == [ids[0], ids[2], ids[1]]
        limited = (await client.get("/api/trades/recent", params={"limit": 1})).json()
        assert [t["id"] for t in limited] == [ids[0]]
        for bad in ("0", "501", "x"):
            response = await client.get("/api/trades/recent", params={"limit": bad})
            assert response.status_code == 422
