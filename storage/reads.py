"""The read path: a read-only operation's statements on a pooled connection, in one step.

A read through the ORM session on aiosqlite costs a thread hop per cursor call (checkout,
execute, fetch, reset) and an ORM object per row; that, not the web layer, held a one-row
read at a twentieth of what SQLite does (BENCHMARKS.md, the per-request floor). So a resolver's
hot read is a plain function of a Core `Connection`, and `read(session, fn, ...)` runs it:

- in a read-only operation (a GET route's boundary, a GraphQL query: `mark_read_only`), on the
  session factory's ReadPool: for SQLite a pool of stdlib sqlite3 connections used right on
  the event loop, with no thread at all (WAL readers never wait for a writer; `query_only`
  makes a write through them an error, and a short busy timeout bounds the rare checkpoint
  wait); for PostgreSQL one pooled psycopg connection of a read engine in autocommit, the
  whole function run on it (`run_sync`), so the statements cost their round trips and nothing
  more (no pre-ping, no BEGIN or ROLLBACK; a dropped connection is retried once);
- anywhere else (a write, or a read inside one, which must see its own uncommitted rows), on
  the session's own connection, in its transaction.

Rows come back as Core rows, which views read by attribute (resolvers/views.py `from_row`),
so no ORM object is built. Compiled statements are cached by SQLAlchemy (the cache key of a
statement built the same way each time), on both paths.

JSON columns are decoded by orjson on both engines (stdlib json is the fallback for what
orjson refuses, such as the NaN stdlib json may have written).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import orjson
from sqlalchemy import Connection, Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import Session

P = ParamSpec("P")
T = TypeVar("T")
POOL = "tradegraph.read_pool"  # session factory info: the ReadPool
READ_ONLY = "tradegraph.read_only"  # session info: this operation writes nothing
READ_BUSY_MS = 1000


def loads(text: str | bytes) -> Any:
    """JSON column values: orjson, else stdlib json (NaN and other things orjson refuses)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _read_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={READ_BUSY_MS}")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


class ReadPool:
    """Where read-only operations run their reads (module docstring)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sqlite: Engine | None = None
        self._held: Connection | None = None  # the loop's connection (SQLite)
        self._lock = threading.Lock()
        if engine.url.get_backend_name() == "sqlite":
            self._sqlite = create_sync_engine(
                engine.url.set(drivername="sqlite"),
                json_deserializer=loads,
                connect_args={"check_same_thread": False},  # the loop's thread may change
                pool_size=4,
                max_overflow=8,
            )
            event.listen(self._sqlite, "connect", _read_pragmas)
            self._pg: AsyncEngine | None = None
        else:
            # PostgreSQL: an engine of its own in autocommit, so a read costs its statements'
            # round trips and nothing more (no BEGIN/ROLLBACK; each statement sees what was
            # committed when it ran, as under the default READ COMMITTED), and without a
            # pre-ping: a read that meets a dropped connection is retried once on a new one
            self._pg = create_async_engine(
                engine.url,
                isolation_level="AUTOCOMMIT",
                json_deserializer=loads,
                pool_size=10,
                max_overflow=10,
            )

    @classmethod
    def for_engine(cls, engine: AsyncEngine) -> ReadPool | None:
        """The engine's pool; none for an in-memory SQLite database, which exists only on its
        own connection (its reads stay on the session)."""
        url = engine.url
        if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            return None
        return cls(engine)

    @property
    def engines(self) -> tuple[Engine, ...]:
        """The (sync) engines its reads run on."""
        if self._sqlite is not None:
            return (self._sqlite,)
        return () if self._pg is None else (self._pg.sync_engine,)

    @property
    def inline(self) -> bool:
        """Whether reads run on the event loop itself (SQLite) rather than on a connection
        of the async engine."""
        return self._sqlite is not None

    async def run(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        if self._sqlite is not None:
            return self._inline(fn, *args, **kwargs)
        assert self._pg is not None
        for attempt in (1, 2):
            try:
                async with self._pg.connect() as connection:
                    return await connection.run_sync(fn, *args, **kwargs)
            except DBAPIError as exc:
                if attempt == 2 or not exc.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

    def _inline(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """On the loop, reads run one after another, so one connection serves them all (no
        checkout per read); a read from another thread's loop meanwhile takes a pooled one.
        Each read ends its transaction, so no snapshot outlives it (WAL checkpoints go on)."""
        assert self._sqlite is not None
        if not self._lock.acquire(blocking=False):
            with self._sqlite.connect() as connection:
                return fn(connection, *args, **kwargs)
        try:
            if self._held is None or self._held.closed:
                self._held = self._sqlite.connect()
            try:
                return fn(self._held, *args, **kwargs)
            finally:
                self._held.rollback()
        finally:
            self._lock.release()

    async def dispose(self) -> None:
        if self._pg is not None:
            await self._pg.dispose()
        if self._sqlite is not None:
            with self._lock:
                if self._held is not None:
                    self._held.close()
                    self._held = None
            self._sqlite.dispose()


def mark_read_only(session: AsyncSession) -> None:
    """This session's operation writes nothing: its `read`s may use the ReadPool."""
    session.info[READ_ONLY] = True


def untouched(session: AsyncSession) -> bool:
    """Whether the session never began a transaction nor loaded an object, so closing it has
    nothing to release (a read-only request that read only through the ReadPool)."""
    sync = session.sync_session
    return sync.get_transaction() is None and not sync.identity_map and not sync.new


async def read(
    session: AsyncSession,
    fn: Callable[Concatenate[Connection, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """`fn(connection, ...)`: on the ReadPool in a read-only operation, else in the session's
    transaction (module docstring)."""
    pool: ReadPool | None = session.info.get(POOL)
    if pool is not None and session.info.get(READ_ONLY):
        return await pool.run(fn, *args, **kwargs)

    def on_session(sync: Session) -> T:
        return fn(sync.connection(), *args, **kwargs)

    return await session.run_sync(on_session)
