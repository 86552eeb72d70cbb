"""The same models and migration on SQLite (WAL, foreign keys) and PostgreSQL (psycopg)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.base import utcnow
from storage.engine import create_engine, create_session_factory
from storage.hypotheses import Hypothesis
from storage.models import Base
from storage.outbox import append_event, commit_and_publish
from storage.strategies import Strategy
from storage.trades import Trade
from tests.conftest import requires_postgres


async def _round_trip(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert set(Base.metadata.tables) <= tables
        factory = create_session_factory(engine)
        async with factory() as session:
            hyp = Hypothesis(title="round trip", thesis="t")
            session.add(hyp)
            await session.flush()
            session.add(Strategy(hypothesis_id=hyp.id, name="s", family="ma_cross", symbol="BTC"))
            await append_event(session, topic="test", entity_id=None, payload={"n": 1.5})
            published: list[int] = []

            async def publish(messages: list) -> None:  # type: ignore[type-arg]
                published.extend(m.id for m in messages)

            await commit_and_publish(session, publish)
            assert len(published) == 1
        async with factory() as session:
            row = (await session.execute(select(Strategy))).scalar_one()
            assert row.stage == "quick_screen" and row.params == {}
            assert row.created_at.tzinfo is not None and row.created_at <= utcnow()
        async with factory() as session:
            session.add(Trade(symbol="X", side="buy", size=1, entry_price=1))  # no owner
            with pytest.raises(IntegrityError):
                await session.flush()
        async with factory() as session:
            session.add(Strategy(hypothesis_id=9999, name="orphan", family="f", symbol="X"))
            with pytest.raises(IntegrityError):
                await session.flush()
    finally:
        await engine.dispose()


async def test_sqlite_round_trip(database_url: str) -> None:
    await _round_trip(database_url)


async def test_sqlite_runs_in_wal_with_foreign_keys(session: AsyncSession) -> None:
    assert (await session.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
    assert (await session.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1


@requires_postgres
async def test_postgres_migration_and_round_trip(postgres_url: str) -> None:
    await _round_trip(postgres_url)


def test_asyncpg_is_refused() -> None:
    with pytest.raises(ValueError):
        create_engine("postgresql+asyncpg://u@h/db")
