"""The notification routes through the generated layer: the page with its filters and 422s,
acknowledge (idempotent, 404 unknown), acknowledge-all (a count, 0 the second time), the
GraphQL twins, the `events` subscription carrying notification.created, and notifications
raised over HTTP by a risk veto and by a force-close the venue refused (kept although the
request answers 502)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx

from resolvers.notifications import raise_notification
from resolvers.trading_agents import ensure_seed_agent
from schema.context import GraphQLContext
from schema.root import build_schema
from storage.outbox import commit_and_publish
from tests.conftest import TEST_KEY_HEADERS
from tests.labs import app_lab
from tests.rest_compat.helpers import sessions
from tests.rest_compat.test_trading_routes import events, held_trades
from tests.schema.helpers import gql


async def seeded(app: Any) -> list[int]:
    async with sessions(app)() as session:
        made = [
            await raise_notification(session, type="t.one", source="s", title="one"),
            await raise_notification(
                session, type="t.two", source="s", title="two", severity="critical"
            ),
        ]
        await session.commit()
    return [n.id for n in made]


class TestRoutes:
    async def test_list_filters_and_pages(self, app: Any, client: httpx.AsyncClient) -> None:
        ids = await seeded(app)
        page = (await client.get("/api/notifications", params={"limit": 1})).json()
        assert [n["id"] for n in page["items"]] == ids[:1] and page["total"] == 2
        rest = await client.get("/api/notifications", params={"cursor": page["next_cursor"]})
        assert [n["id"] for n in rest.json()["items"]] == ids[1:]
        critical = await client.get("/api/notifications", params={"severity": "critical"})
        assert [n["id"] for n in critical.json()["items"]] == ids[1:]
        params = {"status": "unread", "type": "t.one"}
        unread = await client.get("/api/notifications", params=params)
        assert [n["status"] for n in unread.json()["items"]] == ["unread"]

    async def test_bad_filters_are_422(self, client: httpx.AsyncClient) -> None:
        for params in ({"status": "read"}, {"severity": "loud"}, {"limit": 0}, {"nope": 1}):
            response = await client.get("/api/notifications", params=params)
            assert response.status_code == 422, (params, response.text)

    async def test_acknowledge_is_idempotent_and_404s(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        ids = await seeded(app)
        first = await client.post(f"/api/notifications/{ids[0]}/acknowledge")
        assert first.status_code == 200, first.text
        assert first.json()["status"] == "acknowledged" and first.json()["acknowledged_at"]
        again = await client.post(f"/api/notifications/{ids[0]}/acknowledge")
        assert again.json() == first.json()
        assert await events(app, "notification.acknowledged") == 1
        missing = await client.post("/api/notifications/9999/acknowledge")
        assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"

    async def test_acknowledge_all_counts(self, app: Any, client: httpx.AsyncClient) -> None:
        await seeded(app)
        done = await client.post("/api/notifications/acknowledge-all")
        assert done.status_code == 200 and done.json() == {"acknowledged": 2}
        again = await client.post("/api/notifications/acknowledge-all")
        assert again.json() == {"acknowledged": 0}
        assert await events(app, "notification.acknowledged") == 2

    async def test_graphql_twins(self, app: Any, client: httpx.AsyncClient) -> None:
        ids = await seeded(app)
        body = await gql(client, "{ notifications(severity: CRITICAL) { nodes { id title } } }")
        assert body["data"]["notifications"]["nodes"] == [{"id": str(ids[1]), "title": "two"}]
        ack = await gql(
            client, f'mutation {{ acknowledgeNotification(id: "{ids[0]}") {{ status }} }}'
        )
        assert ack["data"]["acknowledgeNotification"] == {"status": "ACKNOWLEDGED"}
        every = await gql(client, "mutation { acknowledgeAllNotifications { acknowledged } }")
        assert every["data"]["acknowledgeAllNotifications"] == {"acknowledged": 1}

    async def test_unauthenticated_is_401(self, app: Any) -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as bare:
            assert (await bare.get("/api/notifications")).status_code == 401


async def test_new_notifications_reach_the_events_subscription(app: Any) -> None:
    schema = build_schema()
    context = GraphQLContext(services=app.state.services, connection_params=TEST_KEY_HEADERS)
    query = 'subscription { events(topics: ["notification.*"], since: 0) { topic payload } }'
    stream = await schema.subscribe(query, context_value=context)
    assert isinstance(stream, AsyncIterator), stream
    try:
        await seeded(app)
        result = await asyncio.wait_for(anext(stream), timeout=5)
        assert not result.errors, result.errors
        assert result.data is not None
        event = result.data["events"]
        assert event["topic"] == "notification.created" and event["payload"]["title"] == "one"
    finally:
        await stream.aclose()


class TestRaisedOverHttp:
    async def test_a_risk_veto(self, app: Any, client: httpx.AsyncClient) -> None:
        async with sessions(app)() as session:
            await ensure_seed_agent(session)
            await commit_and_publish(session, None)
        order = {"symbol": "BTC-USD", "side": "buy", "size": 1_000.0}
        for _ in range(2):
            refused = await client.post("/agents/seed/orders", json=order)
            assert refused.json()["code"] == "RISK_VETO", refused.text
        found = await client.get("/api/notifications", params={"type": "risk.veto"})
        [veto] = found.json()["items"]  # one unread per agent, not one per refusal
        assert (veto["source"], veto["entity_type"], veto["entity_id"]) == (
            "risk", "trading_agent", "seed",
        )  # fmt: skip

    async def test_a_failed_force_close_survives_the_502(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        [trade_id] = await held_trades(app)
        app_lab(app).exchange.faults.fail_closes()
        refused = await client.post(f"/api/trades/{trade_id}/force-close")
        assert refused.status_code == 502, refused.text
        found = await client.get("/api/notifications", params={"source": "trades"})
        [failed] = found.json()["items"]
        assert (failed["type"], failed["severity"]) == ("trade.force_close_failed", "critical")
        assert failed["entity_id"] == str(trade_id)
