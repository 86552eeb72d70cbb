"""Alembic migrations, applied on start by `storage.migrate.upgrade`."""
