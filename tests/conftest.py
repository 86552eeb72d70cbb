"""Shared fixtures: a migrated database per test, and the optional real services."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from resolvers.lab.services import Lab, build_lab
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_sync

POSTGRES_URL = os.environ.get("TRADEGRAPH_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("TRADEGRAPH_TEST_REDIS_URL")
TEST_API_KEY = "test-api-key"
TEST_OPERATOR_KEY = "test-operator-key"
TEST_KEY_HEADERS = {"x-api-key": TEST_API_KEY, "x-operator-key": TEST_OPERATOR_KEY}

# Apps that tests build with their own settings run no background jobs either (their answers
# must not change between two calls); a test that wants the scheduler asks for it explicitly,
# a server process started by a test with env TRADEGRAPH_SCHEDULER=true.
os.environ.setdefault("TRADEGRAPH_SCHEDULER", "false")
# Likewise the job runner (server/workers.py): tests/server/test_workers.py turns it on.
os.environ.setdefault("TRADEGRAPH_JOBS", "false")

# Nothing a test starts may reach the real exchange (the route walks and schemathesis call
# POST /api/fetch too): port 9 on loopback refuses, a 502; fetch tests point at their stub.
os.environ.setdefault("TRADEGRAPH_HYPERLIQUID_URL", "http://127.0.0.1:9")

requires_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="TRADEGRAPH_TEST_POSTGRES_URL is not set (no PostgreSQL to test on)"
)
requires_redis = pytest.mark.skipif(
    not REDIS_URL, reason="TRADEGRAPH_TEST_REDIS_URL is not set (no Redis to test on)"
)


@pytest.fixture
def lab() -> Lab:
    """A default lab (the default feed, a fresh paper exchange without faults) for resolvers a
    test calls itself; tests/{rest_compat,schema}/conftest.py make it the app's own."""
    return build_lab()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A fresh SQLite file with every migration applied."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    upgrade_sync(url)
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
async def session(
    session_factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session


def postgres_schema_url(base: str, schema: str) -> str:
    """The base URL with a search_path pinned to one schema, so test runs never collide."""
    url = base.replace("postgresql://", "postgresql+psycopg://", 1)
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A migrated, throwaway PostgreSQL schema (dropped afterwards)."""
    if not POSTGRES_URL:
        pytest.skip("TRADEGRAPH_TEST_POSTGRES_URL is not set (no PostgreSQL to test on)")
    import psycopg

    schema = f"tg_{uuid.uuid4().hex[:12]}"
    plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = postgres_schema_url(POSTGRES_URL, schema)
    try:
        upgrade_sync(url)
        yield url
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Any:
    """Settings for an in-process app on the migrated temp database, without demo data, with
    both keys configured (the `client` fixture sends them; tests/rest_compat/test_access*.py
    covers every other combination)."""
    from server.settings import load_settings

    return load_settings(
        database_url=database_url,
        data_dir=tmp_path,
        demo=False,
        api_key=TEST_API_KEY,
        operator_key=TEST_OPERATOR_KEY,
        rate_limit="",  # tests/rest_compat/test_ratelimit.py covers the limiter
        agent_tick_seconds=0,  # no background agent steps: tests step agents themselves
        scheduler=False,  # no background jobs: tests/server/test_scheduler*.py runs them
    )


@pytest.fixture
async def app(settings: Any) -> AsyncIterator[Any]:
    """The app with its lifespan running (migrations, bus, services)."""
    from server.app import create_app

    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[Any]:
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=TEST_KEY_HEADERS
    ) as http:
        yield http
