"""Stored exchange and data-source credentials (GET/POST/DELETE /api/settings/api-keys).

A key is named (1-64 characters of a-z, 0-9, `_`, `-`, `.`), has a provider (e.g. hyperliquid,
openai: 1-40 such characters), a kind (`exchange` or `data_source`), an optional label and a
value (1-4096 characters) sealed at once with the key ring (resolvers/secrets.py): the
database holds only the Fernet token. No answer, event or error ever carries the value: lists
show it fully masked (`********`, not even its last characters). DELETE names the key in the
query (`?name=`): the seed's DELETE has no path id and request bodies on DELETE are dropped by
some clients.

Rotation: `rotate_secrets` re-seals every stored secret (these keys and the MCP servers' env
and headers) with the ring's newest key; after it the old keys can leave the ring.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict, InvalidInput, NotFound
from resolvers.lab.services import Lab
from resolvers.mcp.registry import rotate_mcp_secrets
from resolvers.secrets import mask
from resolvers.views import Choices, View, to_payload
from storage.base import utcnow
from storage.outbox import append_event
from storage.settings import API_KEY_KINDS, ApiKey

API_KEY_KIND = Choices(
    "ApiKeyKind", API_KEY_KINDS, "What a stored credential is for: an exchange or a data source."
)
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
PROVIDER = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
MAX_VALUE = 4096
MAX_LABEL = 200


@dataclass(frozen=True, slots=True)
class StoredApiKey(View):
    """A stored credential, its value masked: the plaintext is never answered."""

    name: str
    provider: str
    kind: Annotated[str, API_KEY_KIND]
    label: str
    value: Annotated[str, "always ******** (the value is never answered)"]
    created_at: datetime


def _view(row: ApiKey) -> StoredApiKey:
    return StoredApiKey(
        name=row.name,
        provider=row.provider,
        kind=row.kind,
        label=row.label,
        value=mask(row.token),
        created_at=row.created_at,
    )


async def list_api_keys(session: AsyncSession) -> list[StoredApiKey]:
    """Every stored credential by name, masked."""
    rows = await session.scalars(select(ApiKey).order_by(ApiKey.name))
    return [_view(row) for row in rows]


def _field(field: str, value: object, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise InvalidInput(
            f"{field} must be {what}", code="INVALID_API_KEY", details={"field": field}
        )
    return value


async def create_api_key(
    session: AsyncSession,
    *,
    name: str,
    provider: str,
    kind: str,
    value: str,
    label: str | None = None,
    lab: Lab,
) -> StoredApiKey:
    """Seal and store a credential; 409 API_KEY_EXISTS when the name is taken (delete it
    first), 422 INVALID_API_KEY (details.field; never the value)."""
    _field("name", name, NAME, "1-64 characters of a-z, 0-9, _, - and . (a letter or digit first)")
    _field("provider", provider, PROVIDER, "1-40 characters of a-z, 0-9, _, - and .")
    if kind not in API_KEY_KINDS:
        raise InvalidInput(
            f"kind must be one of {', '.join(API_KEY_KINDS)}",
            code="INVALID_API_KEY",
            details={"field": "kind"},
        )
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_VALUE:
        raise InvalidInput(
            f"value must be a non-blank string of at most {MAX_VALUE} characters",
            code="INVALID_API_KEY",
            details={"field": "value"},
        )
    text = (label or "").strip()
    if len(text) > MAX_LABEL:
        raise InvalidInput(
            f"label must be at most {MAX_LABEL} characters",
            code="INVALID_API_KEY",
            details={"field": "label"},
        )
    if await session.get(ApiKey, name) is not None:
        raise Conflict(
            f"an API key named {name!r} is stored; delete it first",
            code="API_KEY_EXISTS",
            details={"name": name},
        )
    now = utcnow()
    row = ApiKey(
        name=name, provider=provider, kind=kind, label=text,
        token=lab.secrets.seal(value), created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    view = _view(row)
    await append_event(session, topic="api_key.created", entity_id=name, payload=to_payload(view))
    return view


async def delete_api_key(session: AsyncSession, *, name: str) -> StoredApiKey:
    """Delete a stored credential by name (404 NOT_FOUND); the deleted key, masked."""
    row = await session.get(ApiKey, name)
    if row is None:
        raise NotFound(f"no API key named {name!r}", details={"name": name})
    view = _view(row)
    await session.delete(row)
    await session.flush()
    await append_event(session, topic="api_key.deleted", entity_id=name, payload=to_payload(view))
    return view


async def open_api_key(session: AsyncSession, name: str, *, lab: Lab) -> str | None:
    """The plaintext of a stored credential, for the code that calls the provider (never for
    an answer); None when none is stored under `name`."""
    row = await session.get(ApiKey, name)
    return None if row is None else lab.secrets.open(row.token)


async def rotate_api_keys(session: AsyncSession, *, lab: Lab) -> int:
    """Re-seal every stored API key with the newest key; the count rotated."""
    count = 0
    for row in (await session.scalars(select(ApiKey))).all():
        row.token = lab.secrets.rotate(row.token)
        row.updated_at = utcnow()
        count += 1
    await session.flush()
    return count


async def rotate_secrets(session: AsyncSession, *, lab: Lab) -> int:
    """Re-seal every stored secret (API keys, MCP env and headers) with the newest key."""
    return await rotate_api_keys(session, lab=lab) + await rotate_mcp_secrets(session, lab=lab)
