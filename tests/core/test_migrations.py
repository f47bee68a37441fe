"""Migrations: up from empty, down to empty, and in step with the models, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text, update

from core import communities, migrate
from core.db import make_engine, make_session_factory, unit_of_work
from core.reflections import service as reflections
from core.schema import include_name, metadata
from core.sessions.models import PromptAudience, Reflection
from tests.reflection_helpers import NOW, add_member, add_prompt


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


def test_reflections_stored_as_shared_without_a_thread_become_facilitators_only(
    database_url: str,
) -> None:
    """0007: before issue 10's fix, a form reflection on a thread-less prompt said "shared"."""
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        factory = make_session_factory(engine)
        with unit_of_work(factory) as session:
            community = communities.get_or_create(
                session, "slack", "T0001", timezone="Europe/London", now=NOW
            )
            amina = add_member(session, community, "U0AMINA")
            by_dm = add_prompt(session, community, audience=PromptAudience.DMS, text="by DM")
            threaded = add_prompt(session, community, ts="1.2", text="in the channel")
            write = reflections.add_from_form
            dm_reflection = write(session, amina, by_dm, "never posted", "facilitators", NOW)
            write(session, amina, threaded, "posted in the thread", "shared", NOW)
            write(session, amina, by_dm, "just for me", "private", NOW)
            reply = reflections.record_thread_reply(
                session, community, "C0REFLECT", "1.2", "1.3", "U0AMINA", "a reply", NOW
            )
            assert reply is not None
            # What the old code stored: "shared", though nothing was posted anywhere.
            session.execute(
                update(Reflection)
                .where(Reflection.id == dm_reflection.id)
                .values(visibility="shared")
            )
        migrate.downgrade(engine, "0006")
        migrate.upgrade(engine)
        with unit_of_work(factory) as session:
            stored = dict(session.execute(select(Reflection.body, Reflection.visibility)).all())
        assert stored == {
            "never posted": "facilitators",
            "posted in the thread": "shared",
            "just for me": "private",
            "a reply": "shared",
        }
    finally:
        engine.dispose()


def test_languages_go_down_and_up_without_touching_anything_else(database_url: str) -> None:
    """0008 adds members.language and communities.language; going back drops only those
    columns (on SQLite, a table rebuild of `communities` would cascade to everything)."""
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        factory = make_session_factory(engine)
        with unit_of_work(factory) as session:
            community = communities.get_or_create(
                session, "slack", "T0001", timezone="Europe/London", now=NOW, language="fr"
            )
            amina = add_member(session, community, "U0AMINA")
            amina.language = "ar"
            prompt = add_prompt(session, community, audience=PromptAudience.DMS, text="q")
            reflections.add_from_form(session, amina, prompt, "kept", "private", NOW)
        migrate.downgrade(engine, "0007")
        assert "language" not in {c["name"] for c in inspect(engine).get_columns("members")}
        with engine.connect() as connection:
            counts = [
                connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608
                for table in ("communities", "members", "prompts", "reflections")
            ]
        assert counts == [1, 1, 1, 1]
        migrate.upgrade(engine)
        with unit_of_work(factory) as session:
            community = communities.get_or_create(
                session, "slack", "T0001", timezone="Europe/London", now=NOW
            )
            assert community.language == "en"  # back to the default until a request sets it
            assert [m.language for m in community.members] == [None]
            assert session.scalars(select(Reflection.body)).all() == ["kept"]
    finally:
        engine.dispose()
