"""The bot factory's routes and their statuses: templates, create/update checked against the
template's bounds, start/stop idempotent, delete keeping the trades, live refused while live
routing is off."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from resolvers.bots.runtime import step_bot
from resolvers.quant.strategies import FAMILIES
from storage.events import Event
from storage.outbox import commit_and_publish
from tests.labs import app_lab
from tests.rest_compat.helpers import sessions

BOTS = "/api/bot-factory/bots"
FLIPPY = {"name": "flippy", "template": "ma_cross", "params": {"fast": 2, "slow": 5}}


def assert_error(
    response: httpx.Response, status: int, code: str, field: str | None = None
) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    if field is not None:
        assert field in response.text, body


async def events(app: Any, topic: str) -> int:
    async with sessions(app)() as session:
        stmt = select(func.count()).select_from(Event).where(Event.topic == topic)
        return int(await session.scalar(stmt) or 0)


async def make(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post(BOTS, json={**FLIPPY, **body})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_templates_are_the_strategy_library(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/bot-factory/templates")
    assert response.status_code == 200
    templates = {t["family"]: t for t in response.json()}
    assert set(templates) == set(FAMILIES)
    ma = templates["ma_cross"]
    fast = next(p for p in ma["params"] if p["name"] == "fast")
    spec = next(s for s in FAMILIES["ma_cross"].params if s.name == "fast")
    assert (fast["default"], fast["min"], fast["max"], fast["type"]) == (
        spec.default,
        spec.low,
        spec.high,
        "int",
    )
    assert ma["symbol"] in ma["symbols"] and ma["timeframe"] == "1h"
    assert {r["name"] for r in ma["risk"]} == {"notional", "stop_loss_pct", "allow_short"}


async def test_create_fills_defaults_and_lists(client: httpx.AsyncClient, app: Any) -> None:
    bot = await make(client, risk={"notional": 250})
    assert bot["status"] == "stopped" and bot["desired_state"] == "stopped"
    assert bot["venue"] == "paper" and bot["symbol"] == "BTC-USD" and bot["timeframe"] == "1h"
    assert bot["params"] == {"fast": 2, "slow": 5, "band": 0.0}
    assert bot["risk"] == {"notional": 250.0, "stop_loss_pct": 0.0, "allow_short": 1}
    assert await events(app, "bot.created") == 1
    listed = (await client.get(BOTS)).json()
    assert [b["id"] for b in listed["items"]] == [bot["id"]] and listed["total"] == 1


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"template": "nope"}, "UNKNOWN_TEMPLATE", "template"),
        ({"params": {"fast": 1}}, "INVALID_PARAMS", "params.fast"),
        ({"params": {"fast": 2.5}}, "INVALID_PARAMS", "params.fast"),
        ({"params": {"speed": 3}}, "INVALID_PARAMS", "params.speed"),
        ({"params": {"fast": 50, "slow": 20}}, "INVALID_PARAMS", "params"),
        ({"risk": {"notional": 1}}, "INVALID_RISK", "risk.notional"),
        ({"risk": {"stop_loss_pct": "x"}}, "INVALID_RISK", "risk.stop_loss_pct"),
        ({"symbol": "DOGE-USD"}, "UNKNOWN_SYMBOL", "symbol"),
        ({"timeframe": "7m"}, "UNKNOWN_TIMEFRAME", "timeframe"),
        ({"venue": "moon"}, "UNKNOWN_VENUE", "venue"),
        ({"name": ""}, "VALIDATION_ERROR", "name"),
    ],
)
async def test_create_refuses_what_the_template_does_not_allow(
    client: httpx.AsyncClient, app: Any, body: dict[str, Any], code: str, field: str
) -> None:
    assert_error(await client.post(BOTS, json={**FLIPPY, **body}), 422, code, field)
    assert await events(app, "bot.created") == 0


async def test_live_is_refused_while_live_routing_is_off(client: httpx.AsyncClient) -> None:
    assert_error(await client.post(BOTS, json={**FLIPPY, "venue": "live"}), 409,
                 "LIVE_ROUTING_DISABLED", "venue")  # fmt: skip
    bot = await make(client)
    assert_error(await client.put(f"{BOTS}/{bot['id']}", json={"venue": "live"}), 409,
                 "LIVE_ROUTING_DISABLED")  # fmt: skip


async def test_update(client: httpx.AsyncClient, app: Any) -> None:
    bot = await make(client)
    changed = await client.put(
        f"{BOTS}/{bot['id']}",
        json={"name": "rsi", "template": "rsi_reversion", "symbol": "eth-usd"},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["template"], body["symbol"]) == ("rsi", "rsi_reversion", "ETH-USD")
    assert body["params"] == FAMILIES["rsi_reversion"].defaults()
    assert await events(app, "bot.updated") == 1
    assert_error(await client.put(f"{BOTS}/{bot['id']}", json={}), 422, "NOTHING_TO_UPDATE")
    assert_error(await client.put(f"{BOTS}/999", json={"name": "x"}), 404, "NOT_FOUND")
    assert_error(await client.put(f"{BOTS}/{bot['id']}", json={"params": {"period": 1}}), 422,
                 "INVALID_PARAMS", "params.period")  # fmt: skip


async def test_start_and_stop_are_idempotent(client: httpx.AsyncClient, app: Any) -> None:
    bot = await make(client)
    started = await client.post(f"{BOTS}/{bot['id']}/start")
    assert started.status_code == 200
    assert (started.json()["desired_state"], started.json()["status"]) == ("running", "starting")
    again = await client.post(f"{BOTS}/{bot['id']}/start")
    assert again.json() == started.json()
    assert await events(app, "bot.started") == 1
    stopped = await client.post(f"{BOTS}/{bot['id']}/stop")
    assert (stopped.json()["desired_state"], stopped.json()["status"]) == ("stopped", "stopped")
    assert (await client.post(f"{BOTS}/{bot['id']}/stop")).json() == stopped.json()
    assert await events(app, "bot.stopped") == 1
    for action in ("start", "stop"):
        assert_error(await client.post(f"{BOTS}/999/{action}"), 404, "NOT_FOUND")


async def test_trades_and_positions_are_real_fills(client: httpx.AsyncClient, app: Any) -> None:
    bot = await make(client, risk={"notional": 500})
    await client.post(f"{BOTS}/{bot['id']}/start")
    lab = app_lab(app)
    async with sessions(app)() as session:
        result = await step_bot(session, lab=lab, bot_id=bot["id"], now=lab.clock.now())
        await commit_and_publish(session, None)
    assert result.fills == 1
    trades = (await client.get(f"{BOTS}/{bot['id']}/trades")).json()["items"]
    assert len(trades) == 1 and trades[0]["bot_id"] == bot["id"]
    assert trades[0]["status"] == "open" and trades[0]["phase"] == "paper"
    assert trades[0]["size"] * trades[0]["entry_price"] == pytest.approx(500, rel=1e-3)
    positions = (await client.get(f"{BOTS}/{bot['id']}/positions")).json()
    assert [p["trade_id"] for p in positions] == [trades[0]["id"]]
    async with sessions(app)() as session:
        venue = await lab.exchange.positions(session)
    assert [(p.trade_id, p.side, p.size) for p in venue] == [
        (trades[0]["id"], trades[0]["side"], trades[0]["size"])
    ]
    # the bot's trade is in the shared ledger too
    ledger = (await client.get("/api/trades")).json()["items"]
    assert [t["bot_id"] for t in ledger if t["id"] == trades[0]["id"]] == [bot["id"]]
    assert_error(await client.get(f"{BOTS}/999/trades"), 404, "NOT_FOUND")
    assert_error(await client.get(f"{BOTS}/999/positions"), 404, "NOT_FOUND")


async def test_delete_stops_first_and_keeps_the_trades(client: httpx.AsyncClient, app: Any) -> None:
    bot = await make(client)
    await client.post(f"{BOTS}/{bot['id']}/start")
    lab = app_lab(app)
    async with sessions(app)() as session:
        await step_bot(session, lab=lab, bot_id=bot["id"], now=lab.clock.now())
        await commit_and_publish(session, None)
    deleted = await client.delete(f"{BOTS}/{bot['id']}")
    assert deleted.status_code == 200
    body = deleted.json()
    assert body["deleted_at"] is not None and body["status"] == "stopped"
    assert await events(app, "bot.stopped") == 1 and await events(app, "bot.deleted") == 1
    assert (await client.get(BOTS)).json()["items"] == []
    listed = (await client.get(BOTS, params={"include_deleted": "true"})).json()["items"]
    assert [b["id"] for b in listed] == [bot["id"]]
    trades = (await client.get(f"{BOTS}/{bot['id']}/trades")).json()["items"]
    assert len(trades) == 1 and trades[0]["bot_id"] == bot["id"]
    assert (await client.get(f"{BOTS}/{bot['id']}/positions")).status_code == 200
    assert_error(await client.delete(f"{BOTS}/{bot['id']}"), 404, "NOT_FOUND")
    assert_error(await client.post(f"{BOTS}/{bot['id']}/start"), 404, "NOT_FOUND")
    # a deleted bot's task never steps again
    async with sessions(app)() as session:
        result = await step_bot(session, lab=lab, bot_id=bot["id"], now=lab.clock.now())
    assert not result.stepped
