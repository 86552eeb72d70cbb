"""The Halyrd record routes through the generated layer: equity, journal, risk blocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from resolvers.halyrd.equity import record_snapshot
from resolvers.halyrd.journal import append_entry
from storage.halyrd import AgentOrder, RiskBlock
from storage.trading_agents import TradingAgent
from tests.rest_compat.helpers import sessions

DAY = datetime(2026, 1, 5, tzinfo=UTC)
# (minutes after midnight, equity): the peak 130 at 09:15 lies before the `from` used below,
# and 140 at 11:25 is a high inside the 11:00 bucket that is not the bucket's last value
EQUITY = [(555, 130.0), (600, 105.0), (640, 104.0), (685, 140.0), (710, 126.0), (750, 105.0)]
JOURNAL = 12


def iso(minutes: int) -> str:
    return (DAY + timedelta(minutes=minutes)).isoformat()


@pytest.fixture
async def seeded(app: Any) -> None:
    async with sessions(app)() as session:
        session.add(TradingAgent(id="seed", name="Halyrd", is_running=True))
        await session.flush()
        for minutes, value in EQUITY:
            ts = DAY + timedelta(minutes=minutes)
            phase = "live" if minutes >= 750 else "paper"
            await record_snapshot(session, agent_id="seed", ts=ts, equity=value, phase=phase)
        for n in range(JOURNAL):
            await append_entry(
                session, agent_id="seed", kind="decision", message=f"step {n}", data={"n": n},
                ts=DAY + timedelta(minutes=n),
            )  # fmt: skip
        for n, (layer, rule, code) in enumerate(
            [("policy", "max_drawdown", "RISK_VETO"), ("quote", "stale", "QUOTE_STALE")]
        ):
            order = AgentOrder(
                trading_agent_id="seed", ts=DAY, symbol="ETH", side="sell", size=1.0, price=2.0,
                notional=2.0, phase="paper", intent="exit", status="blocked", code=code,
            )  # fmt: skip
            session.add(order)
            await session.flush()
            session.add(
                RiskBlock(
                    trading_agent_id="seed",
                    order_id=order.id,
                    layer=layer,
                    rule=rule,
                    code=code,
                    reason=f"reason {n}",
                    ts=DAY + timedelta(minutes=n),
                )  # fmt: skip
            )
        await session.commit()


def points(body: list[dict[str, Any]]) -> list[tuple[str, float, str, float]]:
    return [(p["ts"], p["equity"], p["phase"], round(p["dd_from_peak"], 12)) for p in body]


@pytest.mark.usefixtures("seeded")
class TestEquity:
    async def test_resampled_hourly(self, client: httpx.AsyncClient) -> None:
        params = {"from": "2026-01-05T10:00:00Z", "to": "2026-01-05T12:30:00Z", "interval": "1h"}
        response = await client.get("/agents/current/equity", params=params)
        assert response.status_code == 200
        assert points(response.json()) == [
            (iso(640), 104.0, "paper", round(1 - 104 / 130, 12)),
            (iso(710), 126.0, "paper", round(1 - 126 / 140, 12)),
            (iso(750), 105.0, "live", round(1 - 105 / 140, 12)),
        ]

    async def test_raw_with_an_offset_and_without_one(self, client: httpx.AsyncClient) -> None:
        offset = {"from": "2026-01-05T11:00:00+01:00", "to": "2026-01-05T10:40:00"}
        body = (await client.get("/agents/seed/equity", params=offset)).json()
        assert [p["ts"] for p in body] == [iso(600), iso(640)]
        assert set(body[0]) == {"ts", "equity", "phase", "dd_from_peak"}

    async def test_everything_by_default(self, client: httpx.AsyncClient) -> None:
        body = (await client.get("/agents/seed/equity")).json()
        assert [p["equity"] for p in body] == [value for _, value in EQUITY]

    @pytest.mark.parametrize(
        ("params", "code", "field"),
        [
            ({"interval": "1y"}, "VALIDATION_ERROR", "interval"),
            ({"interval": "0h"}, "VALIDATION_ERROR", "interval"),
            ({"from": "2026-01-06T00:00:00Z", "to": "2026-01-05T00:00:00Z"}, "VALIDATION_ERROR",
             "from"),
        ],
    )  # fmt: skip
    async def test_refused_with_a_code(
        self, client: httpx.AsyncClient, params: dict[str, str], code: str, field: str
    ) -> None:
        response = await client.get("/agents/seed/equity", params=params)
        assert response.status_code == 422
        assert response.json()["code"] == code
        assert response.json()["detail"]["field"] == field

    async def test_a_time_that_does_not_parse(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/agents/seed/equity", params={"from": "yesterday"})
        assert response.status_code == 422
        assert response.json()["code"] == "VALIDATION_ERROR"
        assert response.json()["detail"][0]["loc"] == ["query", "from"]

    async def test_unknown_agent(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/agents/nobody/equity")
        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"


@pytest.mark.usefixtures("seeded")
class TestJournal:
    async def test_pages_through_next_cursor(self, client: httpx.AsyncClient) -> None:
        messages: list[str] = []
        params: dict[str, Any] = {"limit": 5}
        sizes = []
        while True:
            response = await client.get("/agents/current/journal", params=params)
            assert response.status_code == 200
            body = response.json()
            assert set(body) == {"entries", "next_cursor"}
            sizes.append(len(body["entries"]))
            messages += [e["message"] for e in body["entries"]]
            if body["next_cursor"] is None:
                break
            params["cursor"] = body["next_cursor"]
        assert sizes == [5, 5, 2]
        assert messages == [f"step {n}" for n in range(JOURNAL - 1, -1, -1)]

    async def test_entry_fields(self, client: httpx.AsyncClient) -> None:
        body = (await client.get("/agents/seed/journal", params={"limit": 1})).json()
        [entry] = body["entries"]
        assert set(entry) == {"id", "ts", "kind", "message", "data"}
        assert (entry["ts"], entry["kind"], entry["data"]) == (iso(11), "decision", {"n": 11})

    async def test_default_page_holds_everything_here(self, client: httpx.AsyncClient) -> None:
        body = (await client.get("/agents/seed/journal")).json()
        assert len(body["entries"]) == JOURNAL and body["next_cursor"] is None

    async def test_bad_cursor(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/agents/seed/journal", params={"cursor": "nope"})
        assert response.status_code == 422
        assert response.json()["code"] == "INVALID_CURSOR"
        assert response.json()["detail"]["field"] == "cursor"

    @pytest.mark.parametrize("limit", ["0", "501", "ten"])
    async def test_bad_limit(self, client: httpx.AsyncClient, limit: str) -> None:
        response = await client.get("/agents/seed/journal", params={"limit": limit})
        assert response.status_code == 422
        assert response.json()["code"] == "VALIDATION_ERROR"

    async def test_unknown_agent(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/agents/nobody/journal")
        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"


@pytest.mark.usefixtures("seeded")
class TestBlocks:
    async def test_newest_first(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/agents/current/risk/blocks")
        assert response.status_code == 200
        newest, oldest = response.json()
        assert set(newest) == {"ts", "layer", "rule", "reason", "order_ref", "code"}
        assert (newest["layer"], newest["rule"], newest["code"]) == (
            "quote", "stale", "QUOTE_STALE",
        )  # fmt: skip
        assert (newest["ts"], newest["reason"]) == (iso(1), "reason 1")
        assert oldest["reason"] == "reason 0"
        assert newest["order_ref"].startswith("ord_") and newest["order_ref"] != oldest["order_ref"]

    async def test_limit(self, client: httpx.AsyncClient) -> None:
        body = (await client.get("/agents/seed/risk/blocks", params={"limit": 1})).json()
        assert [b["reason"] for b in body] == ["reason 1"]
        response = await client.get("/agents/seed/risk/blocks", params={"limit": 0})
        assert response.status_code == 422 and response.json()["code"] == "VALIDATION_ERROR"

    async def test_unknown_agent(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/agents/nobody/risk/blocks")
        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"
