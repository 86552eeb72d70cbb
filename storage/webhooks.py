"""Inbound webhook deliveries: the record of what was accepted, and the replay guard.

The unique `signature` column is the replay guard. It lives in the database rather than in
process memory so that it holds across restarts and across several instances sharing one
database. A row whose `signed_at` is older than the timestamp tolerance can never be replayed
(its timestamp would be refused first), so such rows may be deleted; nothing deletes them here,
because the table is also the record of accepted deliveries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType, utcnow


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_name_id", "name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # hex HMAC-SHA256 as computed by the server (lowercase), so a re-cased copy is a replay too
    signature: Mapped[str] = mapped_column(String(64), unique=True)
    signed_at: Mapped[datetime]  # the sender's X-Forven-Timestamp
    payload: Mapped[Any] = mapped_column(JSONType)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


async def insert_delivery(
    session: AsyncSession,
    *,
    name: str,
    signature: str,
    signed_at: datetime,
    payload: Any,
    received_at: datetime,
) -> WebhookDelivery | None:
    """Insert the delivery, or return None when its signature is already stored.

    One INSERT ... ON CONFLICT DO NOTHING: concurrent twins cannot both pass (on PostgreSQL
    the second waits for the first to commit), and the session stays usable either way,
    where a failed plain INSERT would have poisoned the transaction.
    """
    bind = session.bind
    dialect = bind.dialect.name if bind is not None else "sqlite"
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(WebhookDelivery)
        .values(
            name=name,
            signature=signature,
            signed_at=signed_at,
            payload=payload,
            received_at=received_at,
        )
        .on_conflict_do_nothing(index_elements=[WebhookDelivery.signature])
        .returning(WebhookDelivery)
    )
    row: WebhookDelivery | None = (await session.scalars(statement)).one_or_none()
    return row
