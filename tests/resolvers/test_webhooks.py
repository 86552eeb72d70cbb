"""Webhook signatures (a pure function) and recording deliveries once per signature."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.errors import DomainError
from resolvers.webhooks import (
    VerifiedWebhook,
    WebhookPolicy,
    record_delivery,
    sign_webhook,
    verify_signature,
    verify_webhook,
)
from storage.events import Event
from storage.outbox import take_pending
from storage.webhooks import WebhookDelivery
from tests.conftest import requires_postgres

SECRET = "s3cret-for-tests"
NOW = 1_800_000_000.0
BODY = b'{"alert": "BTC crossed 100k"}'
POLICY = WebhookPolicy(secret=SECRET, enabled=True, tolerance_seconds=300)


def signed(body: bytes = BODY, *, at: float = NOW, secret: str = SECRET) -> dict[str, Any]:
    timestamp = str(int(at))
    return {
        "timestamp": timestamp,
        "signature": sign_webhook(secret, timestamp=timestamp, body=body),
    }


def verify(body: bytes = BODY, **headers: Any) -> VerifiedWebhook:
    return verify_webhook(POLICY, name="tv", body=body, now=NOW, **headers)


def refused(fn: Any, *args: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        fn(*args, **kwargs)
    return caught.value


class TestSignWebhook:
    def test_is_hmac_sha256_over_timestamp_dot_body(self) -> None:
        # the documented scheme, computed independently of the module under test
        expected = hmac.new(SECRET.encode(), b"1800000000." + BODY, hashlib.sha256).hexdigest()
        assert sign_webhook(SECRET, timestamp="1800000000", body=BODY) == f"sha256={expected}"


class TestVerifySignature:
    def test_accepts_a_valid_signature_and_returns_its_digest(self) -> None:
        headers = signed()
        result = verify_signature(
            SECRET, **headers, body=BODY, now=NOW + 299, tolerance_seconds=300
        )
        assert result.timestamp == int(NOW)
        assert "sha256=" + result.digest == headers["signature"]

    def test_upper_case_hex_is_the_same_signature(self) -> None:
        headers = signed()
        upper = "sha256=" + headers["signature"].removeprefix("sha256=").upper()
        result = verify_signature(
            SECRET, timestamp=headers["timestamp"], signature=upper, body=BODY, now=NOW,
            tolerance_seconds=300,
        )  # fmt: skip
        assert result.digest == headers["signature"].removeprefix("sha256=")

    @pytest.mark.parametrize(
        "change",
        [
            {"body": BODY + b" "},
            {"timestamp": str(int(NOW) + 1)},
            {"secret": "another secret"},
        ],
        ids=["body", "timestamp", "secret"],
    )
    def test_any_change_breaks_the_signature(self, change: dict[str, Any]) -> None:
        headers = signed()
        args: dict[str, Any] = {"secret": SECRET, "body": BODY, **headers, **change}
        error = refused(
            verify_signature,
            args.pop("secret"),
            **args,
            now=NOW,
            tolerance_seconds=300,
        )
        assert (error.status, error.code) == (401, "INVALID_WEBHOOK_SIGNATURE")

    @pytest.mark.parametrize(
        ("timestamp", "signature"),
        [
            (None, "sha256=" + "0" * 64),
            ("1800000000", None),
            ("", "sha256=" + "0" * 64),
            ("-5", "sha256=" + "0" * 64),
            ("1.8e9", "sha256=" + "0" * 64),
            ("1800000000", "0" * 64),
            ("1800000000", "sha1=" + "0" * 40),
            ("1800000000", "sha256=" + "z" * 64),
            ("1800000000", "sha256=" + "0" * 63),
        ],
    )
    def test_missing_or_malformed_headers(self, timestamp: Any, signature: Any) -> None:
        error = refused(
            verify_signature, SECRET, timestamp=timestamp, signature=signature, body=BODY,
            now=NOW, tolerance_seconds=300,
        )  # fmt: skip
        assert (error.status, error.code) == (401, "INVALID_WEBHOOK_SIGNATURE")

    @pytest.mark.parametrize("offset", [-301, 301], ids=["stale", "future"])
    def test_timestamps_outside_the_tolerance(self, offset: int) -> None:
        error = refused(
            verify_signature, SECRET, **signed(at=NOW + offset), body=BODY, now=NOW,
            tolerance_seconds=300,
        )  # fmt: skip
        assert (error.status, error.code) == (401, "WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE")
        assert error.details == {"tolerance_seconds": 300}

    @pytest.mark.parametrize("offset", [-300, 300])
    def test_the_tolerance_edge_is_inside(self, offset: int) -> None:
        verify_signature(
            SECRET, **signed(at=NOW + offset), body=BODY, now=NOW, tolerance_seconds=300
        )


class TestVerifyWebhook:
    def test_packaged_builds_refuse_before_anything_else(self) -> None:
        policy = WebhookPolicy(secret=SECRET, enabled=False, tolerance_seconds=300)
        error = refused(
            verify_webhook, policy, name="tv", timestamp=None, signature=None, body=b"",
            now=NOW,
        )  # fmt: skip
        assert (error.status, error.code) == (503, "WEBHOOKS_DISABLED")

    def test_no_secret_is_503(self) -> None:
        policy = WebhookPolicy(secret=None, enabled=True, tolerance_seconds=300)
        error = refused(verify_webhook, policy, name="tv", **signed(), body=BODY, now=NOW)
        assert (error.status, error.code) == (503, "WEBHOOK_SECRET_NOT_CONFIGURED")

    def test_the_secret_is_not_in_the_policy_repr(self) -> None:
        assert SECRET not in repr(POLICY)

    def test_a_valid_delivery(self) -> None:
        webhook = verify(**signed())
        assert webhook.name == "tv"
        assert webhook.payload == {"alert": "BTC crossed 100k"}
        assert webhook.signed_at.timestamp() == NOW

    @pytest.mark.parametrize("name", ["", "-x", "a.b", "a b", "x" * 65, "ü"])
    def test_bad_names_are_422_after_the_signature(self, name: str) -> None:
        error = refused(verify_webhook, POLICY, name=name, **signed(), body=BODY, now=NOW)
        assert (error.status, error.code) == (422, "VALIDATION_ERROR")
        error = refused(verify_webhook, POLICY, name=name, timestamp=None, signature=None,
                        body=BODY, now=NOW)  # fmt: skip
        assert error.status == 401

    @pytest.mark.parametrize("body", [b"", b"{", b"not json", b"\xff"])
    def test_a_body_that_is_not_json_is_422(self, body: bytes) -> None:
        error = refused(verify, body, **signed(body))
        assert (error.status, error.code) == (422, "VALIDATION_ERROR")

    @pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"3.5", b"null"])
    def test_any_json_document_is_a_payload(self, body: bytes) -> None:
        verify(body, **signed(body))


async def deliveries(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(WebhookDelivery)) or 0


class TestRecordDelivery:
    async def test_stores_the_delivery_and_appends_its_event(self, session: AsyncSession) -> None:
        row = await record_delivery(session, webhook=verify(**signed()))
        await session.commit()
        [message] = take_pending(session)
        assert (message.topic, message.entity_id) == ("webhook.tv", str(row.id))
        assert message.payload == {"id": row.id, "name": "tv", "payload": row.payload}
        stored = await session.get(WebhookDelivery, row.id)
        assert stored is not None and stored.payload == {"alert": "BTC crossed 100k"}
        assert stored.signature == signed()["signature"].removeprefix("sha256=")

    async def test_a_replayed_signature_is_409_and_writes_nothing(
        self, session_factory: async_sessionmaker[AsyncSession]
    ) -> None:
        webhook = verify(**signed())
        async with session_factory() as session:
            await record_delivery(session, webhook=webhook)
            await session.commit()
        async with session_factory() as session:  # a later request, as after a restart
            with pytest.raises(DomainError) as caught:
                await record_delivery(session, webhook=webhook)
            assert (caught.value.status, caught.value.code) == (409, "WEBHOOK_REPLAYED")
            # the session is still usable: the refused insert did not poison it
            assert await deliveries(session) == 1
            assert await session.scalar(select(func.count()).select_from(Event)) == 1

    async def test_json_null_round_trips(self, session: AsyncSession) -> None:
        row = await record_delivery(session, webhook=verify(b"null", **signed(b"null")))
        await session.commit()
        session.expunge_all()
        stored = await session.get(WebhookDelivery, row.id)
        assert stored is not None and stored.payload is None


async def concurrent_twins(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    """Record the same delivery from two sessions at once; the outcome of each."""
    webhook = verify(**signed())

    async def attempt() -> str:
        async with sessions() as session:
            try:
                await record_delivery(session, webhook=webhook)
                await session.commit()
            except DomainError as exc:
                return exc.code
            return "accepted"

    return sorted(await asyncio.gather(attempt(), attempt()))


async def test_concurrent_twins_are_accepted_once(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    assert await concurrent_twins(session_factory) == ["WEBHOOK_REPLAYED", "accepted"]


@requires_postgres
async def test_concurrent_twins_are_accepted_once_on_postgres(postgres_url: str) -> None:
    from storage.engine import create_engine, create_session_factory

    engine = create_engine(postgres_url)
    try:
        outcome = await concurrent_twins(create_session_factory(engine))
    finally:
        await engine.dispose()
    assert outcome == ["WEBHOOK_REPLAYED", "accepted"]
