"""The migrations build exactly the models' schema (tables, columns, types, indexes), so a model
change without its migration fails here rather than on a user's database."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.models import Base


def drift(sync_url: str) -> list[Any]:
    engine = sa.create_engine(sync_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_sqlite_migrations_match_the_models(database_url: str) -> None:
    assert drift(database_url.replace("sqlite+aiosqlite://", "sqlite://", 1)) == []


def test_postgres_migrations_match_the_models(postgres_url: str) -> None:
    assert drift(postgres_url) == []
