"""Migration 0015 (attendance ticks, library search counts) goes down and up again on both
engines, leaving everything else as it was."""

from __future__ import annotations

from sqlalchemy import inspect, select

from core import migrate
from core.db import make_engine, make_session_factory, unit_of_work
from core.models import Member
from core.sessions.models import SessionAttendance
from tests.core.evaluation import programme


def test_attendance_goes_down_to_0012_and_up_again(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        factory = make_session_factory(engine)
        with unit_of_work(factory) as session:
            programme.build(session)
        migrate.downgrade(engine, "0012")
        tables = set(inspect(engine).get_table_names())
        assert "session_attendance" not in tables
        assert "resource_searches" not in tables
        assert {"community_sessions", "session_rsvps", "resources"} <= tables
        with unit_of_work(factory) as session:
            assert len(session.scalars(select(Member.id)).all()) == 5  # Farah erased herself
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        with unit_of_work(factory) as session:
            assert session.scalars(select(SessionAttendance)).all() == []
    finally:
        engine.dispose()
