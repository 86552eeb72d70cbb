"""The read path (storage/reads.py): a read-only operation reads on the ReadPool, anything else
in its own transaction, and both answer the same rows."""

from __future__ import annotations

import math
from typing import Any

import pytest
from sqlalchemy import Connection, func, insert, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.engine import create_engine, create_session_factory, dispose_reads
from storage.reads import POOL, ReadPool, loads, mark_read_only, read
from storage.trading_agents import TradingAgent
from tests.conftest import requires_postgres

AGENTS = TradingAgent.__table__


def _count(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(AGENTS)).scalar_one())


def _names(connection: Connection, prefix: str) -> list[str]:
    rows = connection.execute(select(AGENTS.c.name).where(AGENTS.c.id.like(f"{prefix}%")))
    return sorted(row.name for row in rows)


def _write(connection: Connection) -> None:
    connection.execute(insert(AGENTS).values(id="sneaky", name="Sneaky"))


async def _add(session: AsyncSession, agent_id: str) -> None:
    session.add(TradingAgent(id=agent_id, name=agent_id.title()))
    await session.flush()


async def _scenario(url: str) -> None:
    engine = create_engine(url)
    factory = create_session_factory(engine)
    try:
        async with factory() as writer:
            await _add(writer, "ra-one")
            # a read in a writing operation sees its own uncommitted row
            assert await read(writer, _names, "ra-") == ["Ra-One"]
            async with factory() as reader:
                mark_read_only(reader)
                # the pool reads what is committed only
                assert await read(reader, _names, "ra-") == []
            await writer.commit()
        async with factory() as reader:
            mark_read_only(reader)
            assert await read(reader, _names, "ra-") == ["Ra-One"]
            assert await read(reader, _count) >= 1
    finally:
        await dispose_reads(factory)
        await engine.dispose()


async def test_sqlite_file_reads_on_the_pool_and_writes_see_their_own_rows(
    database_url: str,
) -> None:
    await _scenario(database_url)


@requires_postgres
async def test_postgres_reads_on_the_pool_and_writes_see_their_own_rows(postgres_url: str) -> None:
    await _scenario(postgres_url)


async def test_the_sqlite_pool_runs_on_the_loop_and_refuses_writes(database_url: str) -> None:
    engine = create_engine(database_url)
    factory = create_session_factory(engine)
    pool = factory.kw["info"][POOL]
    assert isinstance(pool, ReadPool) and pool.inline
    try:
        async with factory() as reader:
            mark_read_only(reader)
            with pytest.raises(OperationalError, match="readonly"):
                await read(reader, _write)
        async with factory() as writer:  # the same function in a writing session writes
            await read(writer, _write)
            assert await read(writer, _names, "sneaky") == ["Sneaky"]
    finally:
        await dispose_reads(factory)
        await engine.dispose()


async def test_an_in_memory_database_keeps_its_reads_on_the_session() -> None:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    assert ReadPool.for_engine(engine) is None
    assert POOL not in create_session_factory(engine).kw["info"]
    await engine.dispose()


def test_json_values_decode_with_orjson_and_fall_back_for_nan() -> None:
    assert loads(b'{"a": [1, 2.5, null]}') == {"a": [1, 2.5, None]}
    value: Any = loads('{"x": NaN}')
    assert math.isnan(value["x"])


def _autocommit(connection: Connection) -> bool:
    return bool(connection.connection.driver_connection.autocommit)  # type: ignore[union-attr]


def _backend_pid(connection: Connection) -> int:
    return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


@requires_postgres
async def test_postgres_reads_run_in_autocommit_and_survive_a_dropped_connection(
    postgres_url: str,
) -> None:
    engine = create_engine(postgres_url)
    factory = create_session_factory(engine)
    try:
        async with factory() as reader:
            mark_read_only(reader)
            pid = await read(reader, _backend_pid)
            # autocommit: no BEGIN or ROLLBACK round trips around a read
            assert await read(reader, _autocommit) is True
            async with engine.connect() as other:  # the server drops the read connection
                await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            # the pooled connection is dead; the read is retried once on a new one
            assert await read(reader, _backend_pid) != pid
    finally:
        await dispose_reads(factory)
        await engine.dispose()
