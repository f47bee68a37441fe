"""Migration 0016 (a session's event id on the platform's calendar) goes down and up on both
engines, keeping the sessions."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, inspect, text

from core import communities, migrate
from core.config import load_settings
from core.db import make_engine, make_session_factory, unit_of_work
from core.sessions import plan
from core.sessions.models import SessionRsvp
from tests.reflection_helpers import NOW, add_member, add_session

BEFORE_EVENTS = "0015"  # the revision 0016 follows
SETTINGS = load_settings({"DATABASE_URL": "sqlite://"})


def child_rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            # The table names are this fixed list, not input.
            table: int(connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())  # noqa: S608
            for table in ("scheduled_items", "prompts", "session_rsvps")
        }


def columns(engine: object) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns("community_sessions")}


def test_session_event_ids_go_down_and_up_keeping_the_sessions(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        assert "platform_event_id" in columns(engine)
        factory = make_session_factory(engine)
        with unit_of_work(factory) as session:
            community = communities.get_or_create(
                session, "discord", "G1", timezone="Europe/London", now=NOW
            )
            cs = add_session(session, community)
            cs.platform_event_id = "1500000000000000001"
            plan.plan_session(session, cs, community, SETTINGS, NOW - timedelta(days=10))
            member = add_member(session, community, "U0AMINA")
            session.add(
                SessionRsvp(session_id=cs.id, member_id=member.id, answer="going", answered_at=NOW)
            )
        before = child_rows(engine)
        assert min(before.values()) > 0
        migrate.downgrade(engine, BEFORE_EVENTS)
        assert "platform_event_id" not in columns(engine)
        with engine.connect() as connection:
            titles = connection.execute(text("SELECT title FROM community_sessions")).scalars()
            assert list(titles) == ["Power and voice"]
        # Nothing that hangs off a session went with the column (a table rebuild on SQLite
        # would have cascaded to them).
        assert child_rows(engine) == before
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        with engine.connect() as connection:
            ids = connection.execute(text("SELECT platform_event_id FROM community_sessions"))
            assert list(ids.scalars()) == [None]  # made again by the next edit
    finally:
        engine.dispose()
