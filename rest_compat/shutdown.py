"""`POST /api/shutdown`: the hand-written transport route the Tauri shell uses to stop the server.

Exempt from the API key, as the seed documents, so the only gate is the peer address: the
loopback interface (127.0.0.0/8, ::1, and IPv4-mapped ::ffff:127.x). Anything else, or no
address at all, is 403 FORBIDDEN_REMOTE_SHUTDOWN. The address is uvicorn's `client`, which
honours X-Forwarded-For only from trusted proxies (by default 127.0.0.1), so a remote client
behind a local proxy is still refused and nobody can claim loopback by header.

202 `{"status": "shutting_down"}` answers before the work starts (see server/shutdown.py for
what follows); a repeated request answers the same without starting anything twice.
"""

from __future__ import annotations

import ipaddress
from typing import Protocol

from fastapi import APIRouter, Request
from starlette.responses import Response

from resolvers.errors import DomainError
from rest_compat.runtime import respond

router = APIRouter()


class ShutdownTrigger(Protocol):
    """What this route needs from the coordinator on `app.state.shutdown` (server/shutdown.py)."""

    def request(self) -> bool: ...


def is_loopback(host: str | None) -> bool:
    """Whether a peer address is this machine's loopback interface; names never count."""
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


@router.post("/api/shutdown", status_code=202, tags=["system"], include_in_schema=False)
async def shutdown_server(request: Request) -> Response:
    """Graceful shutdown, from the loopback interface only."""
    if not is_loopback(request.client.host if request.client else None):
        raise DomainError(
            "shutdown is only accepted from the loopback interface",
            code="FORBIDDEN_REMOTE_SHUTDOWN",
            status=403,
        )
    coordinator: ShutdownTrigger = request.app.state.shutdown
    coordinator.request()
    return respond({"status": "shutting_down"}, 202)
