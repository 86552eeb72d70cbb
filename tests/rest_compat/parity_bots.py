"""Parity cases of the bot factory (collected by test_parity.py): templates, bots and their
trades and positions; every write compared with the GraphQL read of the bot it wrote."""

from __future__ import annotations

from typing import Any

import httpx

from resolvers.bots.runtime import step_bot
from storage.outbox import commit_and_publish
from tests.rest_compat.parity_control import frozen
from tests.rest_compat.parity_kit import (
    Case,
    Ids,
    many,
    normalize,
    paged,
    rest_get,
    rest_send,
    selection,
)

BOTS = "/api/bot-factory/bots"
FLIPPY = {"name": "flippy", "template": "ma_cross", "params": {"fast": 2, "slow": 5}}


def bot(deleted: bool = False) -> Any:
    """The bot the REST answer names, read from GraphQL's list of bots."""

    def build(ids: Ids, rest: Any) -> tuple[str, Any]:
        args = "(includeDeleted: true, first: 500)" if deleted else "(first: 500)"
        query = f"{{ x: bots{args} {{ nodes {{ {selection('Bot')} }} }} }}"

        def pick(data: Any) -> Any:
            found = [n for n in data["x"]["nodes"] if str(n["id"]) == str(rest["id"])]
            return normalize("Bot", found[0]) if found else None

        return query, pick

    return build


CASES: list[Case] = [
    Case("list_bot_templates", rest_get("/api/bot-factory/templates"),
         many("BotTemplate", "botTemplates")),
    Case("list_bots", rest_get(BOTS, limit=2), paged("Bot", "bots", "(first: 2)")),
    Case("create_bot", rest_send("POST", BOTS, lambda ids: FLIPPY), bot()),
    Case("update_bot", rest_send("PUT", BOTS + "/{bot}", lambda ids: {"name": "renamed"}), bot()),
    Case("start_bot", rest_send("POST", BOTS + "/{idle}/start"), bot()),
    Case("stop_bot", rest_send("POST", BOTS + "/{bot}/stop"), bot()),
    Case("delete_bot", rest_send("DELETE", BOTS + "/{bot}"), bot(deleted=True)),
    Case("list_bot_trades", rest_get(BOTS + "/{bot}/trades"),
         paged("Trade", "botTrades", '(id: "{bot}")')),
    Case("list_bot_positions", frozen(rest_get(BOTS + "/{bot}/positions")),
         many("BotPosition", "botPositions", '(id: "{bot}")')),
]  # fmt: skip


async def prepare(client: httpx.AsyncClient, ids: Ids) -> Ids:
    """A running bot that has traded once on the paper exchange, and a stopped one."""
    made = await client.post(BOTS, json=FLIPPY)
    assert made.status_code == 201, made.text
    bot_id = made.json()["id"]
    assert (await client.post(f"{BOTS}/{bot_id}/start")).status_code == 200
    lab = ids["lab"]
    async with ids["sessions"]() as session:
        result = await step_bot(session, lab=lab, bot_id=bot_id, now=lab.clock.now())
        await commit_and_publish(session, None)
    assert result.fills == 1, result
    idle = (await client.post(BOTS, json={"name": "idle", "template": "rsi_reversion"})).json()
    return {"bot": bot_id, "idle": idle["id"]}
