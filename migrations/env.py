"""Alembic environment: runs against the engine handed over by core.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from core.schema import include_name, metadata

config = context.config
engine = config.attributes["engine"]

# Several replicas may start at once on a fresh PostgreSQL database: one migrates, the others
# wait here and then find nothing left to do. The lock ends with the transaction.
MIGRATION_LOCK = 7_262_019

with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite can't ALTER much
        compare_type=True,
        include_name=include_name,
    )
    context.run_migrations()
