"""Persistence: SQLAlchemy 2 async models, engine, queries, migrations, outbox and bus."""
