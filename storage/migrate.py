"""Apply Alembic migrations programmatically (on start and in tests)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_sync(url: str, revision: str = "head") -> None:
    """Migrate to `revision`; safe to call with or without a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(alembic_config(url), revision)
        return
    # Alembic's env runs its own event loop, which cannot nest inside a running one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(command.upgrade, alembic_config(url), revision).result()


async def upgrade(url: str, revision: str = "head") -> None:
    """Run the migrations in a worker thread without blocking the loop."""
    await asyncio.to_thread(upgrade_sync, url, revision)
