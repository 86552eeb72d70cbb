"""Cross-instance mutual exclusion for singleton work (one agent step at a time).

On PostgreSQL: a transaction-scoped advisory lock, tried without waiting, released by the
transaction's end. SQLite serves one process (the embedded default), whose writers are already
serialized, so there the lock is always granted.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for `name` (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


async def try_transaction_lock(session: AsyncSession, name: str) -> bool:
    """True when this transaction now holds the lock `name` (until it commits or rolls back);
    False at once when another transaction holds it."""
    bind = session.bind
    if bind is None or bind.dialect.name != "postgresql":
        return True
    got = await session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": lock_key(name)})
    return bool(got)
