"""Migration 0014 (polls and the survey) goes down and up on both engines, leaving every
other table as it was."""

from __future__ import annotations

from sqlalchemy import inspect, select, text

from core import communities, migrate
from core.broadcasts.models import Way
from core.db import make_engine, make_session_factory, unit_of_work
from core.polls import service as polls
from core.polls.models import Poll
from tests.reflection_helpers import NOW, add_member

POLL_TABLES = {
    "polls",
    "poll_options",
    "poll_voters",
    "poll_votes",
    "surveys",
    "survey_respondents",
    "survey_answers",
}
BEFORE_POLLS = "0013"  # the revision 0014 follows


def test_polls_go_down_and_up_without_touching_anything_else(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= POLL_TABLES
        factory = make_session_factory(engine)
        with unit_of_work(factory) as session:
            community = communities.get_or_create(
                session, "slack", "T0001", timezone="Europe/London", now=NOW
            )
            amina = add_member(session, community, "U0AMINA")
            plan = polls.Plan(
                question="Which theme?",
                options=["A", "B"],
                members_add=False,
                multiple=False,
                anonymous=True,
                closes_at=NOW.replace(year=NOW.year + 1),
                audience=["everyone"],
                way=Way.DM,
                channel_id=None,
                delivery_hours="08:00-20:00",
                config_facilitators=[],
            )
            poll = polls.save(session, community, plan, amina, NOW)
            assert polls.confirm(session, community, poll, NOW)  # a DM and a close waiting
        migrate.downgrade(engine, BEFORE_POLLS)
        assert not POLL_TABLES & set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            waiting = connection.execute(
                text(
                    "SELECT kind FROM scheduled_items WHERE status = 'pending' UNION ALL "
                    "SELECT kind FROM outbox WHERE status = 'pending'"
                )
            ).all()
        assert waiting == []  # cancelled: nothing left to fail or to send dead buttons
        with engine.connect() as connection:
            counts = [
                connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608
                for table in ("communities", "members")
            ]
        assert counts == [1, 1]
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        with unit_of_work(factory) as session:
            assert session.scalars(select(Poll)).all() == []  # the poll went with its tables
    finally:
        engine.dispose()
