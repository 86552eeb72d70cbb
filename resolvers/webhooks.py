"""Inbound webhooks: verify the HMAC signature, then record the delivery and announce it.

The scheme (also in the route catalog's notes). The sender signs every delivery with the
shared secret FORVEN_WEBHOOK_SECRET and sends two headers:

    X-Forven-Timestamp: <unix seconds, digits only>
    X-Forven-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}.".encode() + raw_body)>

The timestamp is part of the signed message, so a captured delivery cannot be re-dated; it
must lie within ±tolerance seconds of the server clock; and a signature is accepted once only
(the database remembers it), so a captured delivery cannot be replayed inside that window
either. The signature is checked before anything else is read from the request, so a caller
without the secret learns nothing but 401. Compared with hmac.compare_digest, never `==`.

Refusals: 503 WEBHOOKS_DISABLED (packaged builds; the seed calls webhooks dev-only),
503 WEBHOOK_SECRET_NOT_CONFIGURED, 401 INVALID_WEBHOOK_SIGNATURE (missing, malformed or wrong
headers), 401 WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE, 422 VALIDATION_ERROR (bad name, body not
JSON), 409 WEBHOOK_REPLAYED.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict, InvalidInput, Unauthorized, Unavailable
from storage.base import utcnow
from storage.outbox import append_event
from storage.webhooks import WebhookDelivery, insert_delivery

TIMESTAMP_HEADER = "X-Forven-Timestamp"
SIGNATURE_HEADER = "X-Forven-Signature"
SCHEME = "sha256="
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")  # `webhook.<name>` fits the topic column
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")


@dataclass(frozen=True, slots=True)
class WebhookPolicy:
    """The settings webhooks depend on, as plain values (resolvers never read settings)."""

    secret: str | None = field(repr=False)  # never in a repr, a log line or a traceback
    enabled: bool
    tolerance_seconds: int


@dataclass(frozen=True, slots=True)
class SignedBody:
    """A body whose signature checked out: its timestamp and the (lowercase hex) digest."""

    timestamp: int
    digest: str


@dataclass(frozen=True, slots=True)
class VerifiedWebhook:
    """A delivery that passed every check and may be recorded."""

    name: str
    digest: str
    signed_at: datetime
    payload: Any


def _digest(secret: str, timestamp: str, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_webhook(secret: str, *, timestamp: str, body: bytes) -> str:
    """The X-Forven-Signature value a sender puts on this raw body and timestamp."""
    return SCHEME + _digest(secret, timestamp, body)


def _bad_signature(message: str) -> Unauthorized:
    return Unauthorized(message, code="INVALID_WEBHOOK_SIGNATURE")


def verify_signature(
    secret: str,
    *,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float,
    tolerance_seconds: int,
) -> SignedBody:
    """Check the two headers against the raw body; pure, so `now` is passed in."""
    if timestamp is None:
        raise _bad_signature(f"missing {TIMESTAMP_HEADER} header")
    if signature is None:
        raise _bad_signature(f"missing {SIGNATURE_HEADER} header")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise _bad_signature(f"{TIMESTAMP_HEADER} must be unix seconds (digits only)")
    given = signature.removeprefix(SCHEME)
    if given == signature or not _HEX_DIGEST.fullmatch(given):
        raise _bad_signature(f"{SIGNATURE_HEADER} must be {SCHEME}<64 hex digits>")
    expected = _digest(secret, timestamp, body)
    if not hmac.compare_digest(expected, given.lower()):
        raise _bad_signature("the signature does not match the timestamp and body")
    seconds = int(timestamp)
    if abs(now - seconds) > tolerance_seconds:
        raise Unauthorized(
            f"{TIMESTAMP_HEADER} is {round(seconds - now)} s from the server clock "
            f"(tolerance ±{tolerance_seconds} s)",
            code="WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE",
            details={"tolerance_seconds": tolerance_seconds},
        )
    return SignedBody(seconds, expected)


def verify_webhook(
    policy: WebhookPolicy,
    *,
    name: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float,
) -> VerifiedWebhook:
    """Every check a delivery must pass before it is recorded, in the order documented above."""
    if not policy.enabled:
        raise Unavailable("webhooks are disabled in packaged builds", code="WEBHOOKS_DISABLED")
    if not policy.secret:
        raise Unavailable(
            "webhooks need FORVEN_WEBHOOK_SECRET", code="WEBHOOK_SECRET_NOT_CONFIGURED"
        )
    signed = verify_signature(
        policy.secret,
        timestamp=timestamp,
        signature=signature,
        body=body,
        now=now,
        tolerance_seconds=policy.tolerance_seconds,
    )
    if not NAME.fullmatch(name):
        raise InvalidInput(
            "a webhook name is 1-64 letters, digits, '_' or '-', starting with a letter or digit",
            details={"field": "name"},
        )
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidInput("the body is not valid JSON", details={"field": "body"}) from None
    return VerifiedWebhook(
        name=name,
        digest=signed.digest,
        signed_at=datetime.fromtimestamp(signed.timestamp, UTC),
        payload=payload,
    )


async def record_delivery(
    session: AsyncSession, *, webhook: VerifiedWebhook, received_at: datetime | None = None
) -> WebhookDelivery:
    """Store the delivery once per signature and append `webhook.<name>` to the outbox."""
    row = await insert_delivery(
        session,
        name=webhook.name,
        signature=webhook.digest,
        signed_at=webhook.signed_at,
        payload=webhook.payload,
        received_at=received_at or utcnow(),
    )
    if row is None:
        raise Conflict("this delivery was already accepted", code="WEBHOOK_REPLAYED")
    await append_event(
        session,
        topic=f"webhook.{row.name}",
        entity_id=str(row.id),
        payload={"id": row.id, "name": row.name, "payload": row.payload},
    )
    return row
