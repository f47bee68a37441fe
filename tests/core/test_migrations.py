"""Migrations: up from empty, down to empty, and in step with the models, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from core import migrate
from core.db import make_engine
from core.schema import include_name, metadata


def test_upgrade_from_empty_matches_models_and_downgrades_cleanly(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": include_name}
            )
            assert compare_metadata(context, metadata) == []
        tables = set(inspect(engine).get_table_names())
        assert {"communities", "members", "outbox", "scheduled_items", "reflections"} <= tables
        migrate.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)  # and up again: migrations are repeatable
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()
