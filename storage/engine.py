"""Engine and session factory for SQLite (WAL, foreign keys) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from storage.reads import POOL, ReadPool, loads


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_engine(url: str, *, echo: bool = False, null_pool: bool = False) -> AsyncEngine:
    """An async engine; SQLite files get their directory created and the pragmas above."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "json_deserializer": loads}
    if null_pool:
        kwargs["poolclass"] = NullPool
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
        raise ValueError("PostgreSQL goes through psycopg 3: use postgresql+psycopg://")
    if not null_pool:
        kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
    return create_async_engine(url, **kwargs)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after the boundary commits, with the engine's
    ReadPool for the reads of read-only operations (storage/reads.py)."""
    pool = ReadPool.for_engine(engine)
    info = {} if pool is None else {POOL: pool}
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info)


async def dispose_reads(factory: async_sessionmaker[AsyncSession]) -> None:
    """Close the ReadPool's connections (the engine's own close with `engine.dispose()`)."""
    pool = factory.kw.get("info", {}).get(POOL)
    if isinstance(pool, ReadPool):
        await pool.dispose()
