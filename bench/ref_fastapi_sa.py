"""Reference app (b), benchmark only: minimal FastAPI + SQLAlchemy async (ORM) + aiosqlite.

Written the way a typical small FastAPI app is: its own declarative models for the two tables
(only the columns it answers), an async engine with SQLAlchemy's default pool, a session per
request from a `Depends` generator, ORM `select`s, and dicts returned under a
`dict[str, Any]` return annotation, which FastAPI serializes through Pydantic (validate, then
`dump_json`). It reads the SAME SQLite file Tradegraph serves (its data dir's
`tradegraph.db`) and answers the two reads bench/refkit.py describes, `GET /agents/{id}` and
`GET /api/strategies`, with Tradegraph's bytes. SQLite stores UTC timestamps naive: like
Tradegraph (storage/base.py) the app marks them UTC, and writes them with `isoformat()` so
they read `+00:00` as Tradegraph's do (Pydantic would write `Z`).

Only what those requests need is here: no filters, no `current` alias, no Tradegraph error
envelope (a bad `limit` or cursor is a plain 422, an unknown agent a plain 404), no keys or
guard. uvicorn runs as for `tradegraph serve` (bench/refkit.py).

Usage: python -m bench.ref_fastapi_sa --port P --db PATH-or-sqlite-URL [--log-level error]
"""

# no `from __future__ import annotations`: FastAPI reads the local `Session` alias at runtime

import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query
from sqlalchemy import JSON, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bench.refkit import (
    DEFAULT_PAGE,
    MAX_PAGE,
    decode_cursor,
    page_answer,
    parse_args,
    serve,
    sqlite_path,
)


class Base(DeclarativeBase):
    pass


class TradingAgent(Base):
    __tablename__ = "trading_agents"

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    status: Mapped[str]
    phase: Mapped[str]
    market_mode: Mapped[str]
    last_heartbeat: Mapped[datetime | None]


class Strategy(Base):
    __tablename__ = "strategies"

    id: Mapped[int] = mapped_column(primary_key=True)
    hypothesis_id: Mapped[int]
    name: Mapped[str]
    family: Mapped[str]
    symbol: Mapped[str]
    timeframe: Mapped[str]
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    stage: Mapped[str]
    status: Mapped[str]
    source: Mapped[str]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


def utc(value: datetime | None) -> str | None:
    """A naive UTC timestamp as Tradegraph writes it: `+00:00` (Pydantic would write `Z`)."""
    return None if value is None else value.replace(tzinfo=UTC).isoformat()


def create_app(db: str) -> FastAPI:
    engine = create_async_engine(f"sqlite+aiosqlite:///{sqlite_path(db)}")
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def get_session() -> AsyncIterator[AsyncSession]:
        async with sessions() as session:
            yield session

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    Session = Annotated[AsyncSession, Depends(get_session)]
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan)

    @app.get("/agents/{id}")
    async def get_agent(id: str, session: Session) -> dict[str, Any]:
        agent = await session.get(TradingAgent, id)
        if agent is None:
            raise HTTPException(404, f"agent {id} not found")
        return {
            "id": agent.id,
            "name": agent.name,
            "status": agent.status,
            "phase": agent.phase,
            "market_mode": agent.market_mode,
            "last_heartbeat": utc(agent.last_heartbeat),
        }

    @app.get("/api/strategies")
    async def list_strategies(
        session: Session,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        total = await session.scalar(select(func.count()).select_from(Strategy))
        stmt = select(Strategy).order_by(Strategy.id).limit(limit + 1)
        if cursor is not None:
            after = decode_cursor(cursor)
            if after is None:
                raise HTTPException(422, "not a valid cursor")
            stmt = stmt.where(Strategy.id > after)
        rows = (await session.scalars(stmt)).all()
        items = [
            {
                "id": s.id,
                "hypothesis_id": s.hypothesis_id,
                "name": s.name,
                "family": s.family,
                "symbol": s.symbol,
                "timeframe": s.timeframe,
                "params": s.params,
                "stage": s.stage,
                "status": s.status,
                "source": s.source,
                "created_at": utc(s.created_at),
                "updated_at": utc(s.updated_at),
            }
            for s in rows[:limit]
        ]
        return page_answer(items, total or 0, more=len(rows) > limit)

    @app.get("/api/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(__doc__.split("\n\n")[0], argv, db="SQLite file or sqlite:/// URL")
    return serve(create_app(args.db), port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    sys.exit(main())
