"""POST /api/webhooks/{name}: HMAC-checked, stored once, published, dev-only, secret unlogged."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from resolvers.webhooks import sign_webhook
from server.app import create_app
from storage.events import Event
from storage.webhooks import WebhookDelivery
from tests.rest_compat.helpers import sessions

SECRET = "whsec-9f8e7d6c5b4a-never-logged"
BODY = b'{"alert": "BTC crossed 100k", "price": 100000.5}'

Client = tuple[Any, httpx.AsyncClient]
MakeClient = Callable[..., AbstractAsyncContextManager[Client]]


@pytest.fixture
def make_client(settings: Any) -> MakeClient:
    """An app with these settings changed, its lifespan running, and a client sending no keys."""

    @asynccontextmanager
    async def make(**changes: Any) -> AsyncIterator[Client]:
        app = create_app(settings.model_copy(update={"webhook_secret": SECRET, **changes}))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                yield app, c

    return make


@pytest.fixture
async def served(make_client: MakeClient) -> AsyncIterator[Client]:
    async with make_client() as pair:
        yield pair


def signed(body: bytes = BODY, *, at: float | None = None, secret: str = SECRET) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    return {
        "content-type": "application/json",
        "x-forven-timestamp": timestamp,
        "x-forven-signature": sign_webhook(secret, timestamp=timestamp, body=body),
    }


async def post(client: httpx.AsyncClient, headers: dict[str, str], body: bytes = BODY,
               name: str = "tradingview") -> httpx.Response:  # fmt: skip
    return await client.post(f"/api/webhooks/{name}", content=body, headers=headers)


def assert_refused(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code


async def stored(app: Any) -> tuple[int, int]:
    """(delivery rows, webhook events)."""
    async with sessions(app)() as session:
        rows = await session.scalar(select(func.count()).select_from(WebhookDelivery))
        events = await session.scalar(
            select(func.count()).select_from(Event).where(Event.topic.startswith("webhook."))
        )
    return rows or 0, events or 0


class TestAccepted:
    async def test_is_202_stored_and_published_without_an_api_key(self, served: Client) -> None:
        app, client = served
        assert app.state.settings.api_key, "the exemption is only shown with a key configured"
        bus = app.state.services.bus
        async with bus.subscribe(topics=["webhook.*"]) as events:
            response = await post(client, signed())
            async with asyncio.timeout(10):
                event = await anext(aiter(events))
        assert response.status_code == 202, response.text
        body = response.json()
        assert body == {"id": body["id"], "name": "tradingview", "status": "accepted"}
        assert (event.topic, event.entity_id) == ("webhook.tradingview", str(body["id"]))
        assert event.payload["payload"] == {"alert": "BTC crossed 100k", "price": 100000.5}
        async with sessions(app)() as session:
            row = await session.get(WebhookDelivery, body["id"])
        assert row is not None and row.name == "tradingview"
        assert row.payload == event.payload["payload"]

    async def test_a_json_body_that_is_not_an_object(self, served: Client) -> None:
        _, client = served
        response = await post(client, signed(b"[1, 2, 3]"), b"[1, 2, 3]")
        assert response.status_code == 202, response.text


class TestRefused:
    async def test_wrong_signature(self, served: Client) -> None:
        app, client = served
        assert_refused(
            await post(client, signed(secret="not the secret")), 401, "INVALID_WEBHOOK_SIGNATURE"
        )
        assert_refused(await post(client, signed(), BODY + b" "), 401, "INVALID_WEBHOOK_SIGNATURE")
        assert await stored(app) == (0, 0)

    @pytest.mark.parametrize("header", ["x-forven-timestamp", "x-forven-signature"])
    async def test_missing_header(self, served: Client, header: str) -> None:
        app, client = served
        headers = signed()
        del headers[header]
        response = await post(client, headers)
        assert_refused(response, 401, "INVALID_WEBHOOK_SIGNATURE")
        assert header.title() in response.json()["detail"]
        assert await stored(app) == (0, 0)

    @pytest.mark.parametrize("offset", [-400, 400], ids=["stale", "future"])
    async def test_timestamp_out_of_tolerance(self, served: Client, offset: int) -> None:
        app, client = served
        response = await post(client, signed(at=time.time() + offset))
        assert_refused(response, 401, "WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE")
        assert await stored(app) == (0, 0)

    async def test_tolerance_follows_the_setting(self, make_client: MakeClient) -> None:
        async with make_client(webhook_tolerance_seconds=1000) as (_, client):
            assert (await post(client, signed(at=time.time() - 400))).status_code == 202

    async def test_replay_is_409_and_stores_nothing_more(self, served: Client) -> None:
        app, client = served
        headers = signed()
        assert (await post(client, headers)).status_code == 202
        assert_refused(await post(client, headers), 409, "WEBHOOK_REPLAYED")
        assert await stored(app) == (1, 1)

    async def test_replay_protection_survives_a_restart(self, make_client: MakeClient) -> None:
        headers = signed()
        async with make_client() as (_, client):
            assert (await post(client, headers)).status_code == 202
        async with make_client() as (app, client):  # a new process on the same database
            assert_refused(await post(client, headers), 409, "WEBHOOK_REPLAYED")
            assert await stored(app) == (1, 1)

    async def test_packaged_build(self, make_client: MakeClient) -> None:
        async with make_client(build="packaged") as (app, client):
            assert_refused(await post(client, signed()), 503, "WEBHOOKS_DISABLED")
            assert await stored(app) == (0, 0)

    async def test_no_secret_configured(self, make_client: MakeClient) -> None:
        async with make_client(webhook_secret=None) as (app, client):
            response = await post(client, signed())
            assert_refused(response, 503, "WEBHOOK_SECRET_NOT_CONFIGURED")
            assert await stored(app) == (0, 0)

    async def test_body_that_is_not_json(self, served: Client) -> None:
        app, client = served
        response = await post(client, signed(b"alert!"), b"alert!")
        assert_refused(response, 422, "VALIDATION_ERROR")
        assert await stored(app) == (0, 0)

    async def test_bad_name(self, served: Client) -> None:
        _, client = served
        response = await post(client, signed(), name="a.b")
        assert_refused(response, 422, "VALIDATION_ERROR")


async def test_the_secret_and_signatures_never_reach_the_logs(
    served: Client, caplog: pytest.LogCaptureFixture
) -> None:
    _, client = served
    caplog.set_level(logging.DEBUG)
    good = signed()
    forged_body = b'{"alert": "forged"}'
    # what a valid signature of the forged body would be: a log must not hand it out
    forged_valid = signed(forged_body)["x-forven-signature"]
    responses = [
        await post(client, good),
        await post(client, good),  # replay
        await post(client, signed(secret="guess"), forged_body),
        await post(client, signed(at=time.time() - 4000)),
    ]
    assert [r.status_code for r in responses] == [202, 409, 401, 401]
    assert "tradingview" in caplog.text, "the route logs, so the checks below are not vacuous"
    # the secret, and the signature a forger would need, appear nowhere (DEBUG, every logger)
    for secret in (SECRET, forged_valid[7:]):
        assert secret not in caplog.text
        assert all(secret not in r.text for r in responses)
    # an accepted signature is spent (a replay is 409); only the SQL debug log of the
    # database driver may show it, as the column value it stores
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("tradegraph"))
    assert good["x-forven-signature"][7:] not in ours
