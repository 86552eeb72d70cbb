"""`POST /api/webhooks/{name}`: the hand-written transport route for inbound webhooks.

Exempt from the API key (the guard in front skips `/api/webhooks/*`) because senders sign
with FORVEN_WEBHOOK_SECRET instead; the scheme, the checks and their codes are documented in
resolvers/webhooks.py. Hand-written because the signature covers the raw body bytes, which a
generated handler would have parsed already. Logs name the webhook and the refusal code, never
the secret, a signature or the body.
"""

from __future__ import annotations

import logging
import time

from fastapi import APIRouter, Request
from starlette.responses import Response

from resolvers.errors import DomainError
from resolvers.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookPolicy,
    record_delivery,
    verify_webhook,
)
from rest_compat.runtime import boundary, respond

log = logging.getLogger("tradegraph.webhooks")
router = APIRouter()


def policy(request: Request) -> WebhookPolicy:
    settings = request.app.state.settings
    return WebhookPolicy(
        secret=settings.webhook_secret,
        enabled=settings.build != "packaged",
        tolerance_seconds=settings.webhook_tolerance_seconds,
    )


@router.post("/api/webhooks/{name}", status_code=202, tags=["webhooks"], include_in_schema=False)
async def receive_webhook(request: Request, name: str) -> Response:
    """Inbound webhook: verified, stored once, published as `webhook.<name>`; 202 when accepted."""
    try:
        webhook = verify_webhook(
            policy(request),
            name=name,
            timestamp=request.headers.get(TIMESTAMP_HEADER),
            signature=request.headers.get(SIGNATURE_HEADER),
            body=await request.body(),
            now=time.time(),
        )
        async with boundary(request, write=True) as session:
            delivery = await record_delivery(session, webhook=webhook)
    except DomainError as exc:
        log.warning("webhook %r refused: %s %s", name, exc.status, exc.code)
        raise
    log.info("webhook %r accepted as delivery %d", name, delivery.id)
    return respond({"id": delivery.id, "name": delivery.name, "status": "accepted"}, 202)
