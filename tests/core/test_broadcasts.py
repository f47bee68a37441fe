"""The broadcast service on both databases: what a form may hold, who an audience means,
how a long message is cut for Slack, and that a confirmed broadcast is planned once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.wiring import Runtime
from core import communities
from core.broadcasts import audiences, notices
from core.broadcasts import service as broadcasts
from core.config import load_settings
from core.db import unit_of_work
from core.delivery.models import OutboxMessage, ScheduledItem
from core.errors import InvalidInput
from core.models import Community
from core.sessions.models import RsvpAnswer, SessionRsvp
from tests.reflection_helpers import CHANNEL, NOW, add_member, add_session

SETTINGS = load_settings({"DATABASE_URL": "sqlite://"})
WITH_CHANNEL = load_settings({"DATABASE_URL": "sqlite://", "CATALYST_CHANNEL": CHANNEL})


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with unit_of_work(runtime.session_factory) as session:
        yield session


@pytest.fixture
def community(session: Session) -> Community:
    return communities.get_or_create(session, "slack", "T0001", timezone="Europe/London", now=NOW)


def draft(**changes: object) -> broadcasts.Draft:
    values: dict[str, object] = {
        "body": "What did you notice about power this week?",
        "asks_question": True,
        "audience": ["everyone"],
        "way": "dm",
        "notify_channel": False,
        "when": "at",
        "date": "2026-11-24",
        "time": "10:00",
    }
    values.update(changes)
    return broadcasts.Draft(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"body": " "}, "body"),
        ({"body": "x" * 40_001}, "body"),
        ({"body": "&" * 30_000}, "body"),  # fits 40,000, not 45 sections once escaped
        # Each error sits under the answer that has it.
        ({"date": "2026-11-23", "time": "09:00"}, "time"),  # 30 minutes ago, today
        ({"date": "2026-11-22", "time": "18:00"}, "date"),  # yesterday
        ({"date": None}, "date"),
        ({"time": None}, "time"),
        ({"date": "23/11/2026"}, "date"),
        ({"time": "7pm"}, "time"),
        ({"way": "channel"}, "way"),  # no channel configured
        ({"way": "everywhere"}, "way"),
        ({"audience": []}, "audience"),
        ({"audience": ["theme:"]}, "audience"),
        ({"audience": ["quiet:99"]}, "audience"),
        ({"when": "sometime"}, "when"),
        ({"when": "weekly"}, "until"),
        ({"when": "weekly", "until": "2026-11-01"}, "until"),
        ({"when": "monthly", "until": "2028-01-01"}, "until"),
        ({"notify_channel": True}, "notify"),
        ({"language": "xx"}, "language"),
    ],
)
def test_what_the_form_may_hold(
    community: Community, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as problem:
        broadcasts.check(draft(**changes), None, community, SETTINGS, NOW)  # type: ignore[arg-type]
    assert field in problem.value.errors


def test_a_time_is_in_the_community_timezone_and_this_minute_is_not_the_past(
    community: Community,
) -> None:
    community.timezone = "Asia/Amman"  # UTC+3
    plan = broadcasts.check(draft(), None, community, SETTINGS, NOW)  # type: ignore[arg-type]
    assert plan.starts_at == NOW.replace(day=24, hour=7, minute=0)
    community.timezone = "Europe/London"
    now = NOW + timedelta(seconds=40)
    plan = broadcasts.check(draft(date="2026-11-23", time="09:30"), None, community, SETTINGS, now)  # type: ignore[arg-type]
    assert plan.starts_at == now


def test_a_narrow_audience_can_only_go_by_dm(community: Community) -> None:
    with pytest.raises(InvalidInput) as problem:
        broadcasts.check(
            draft(way="channel", audience=["facilitators"]),
            None,  # type: ignore[arg-type]
            community,
            WITH_CHANNEL,
            NOW,
        )
    assert list(problem.value.errors) == ["audience"]


def test_kinds_narrow_and_values_of_one_kind_widen(session: Session, community: Community) -> None:
    ana = add_member(
        session, community, "U0ANA", themes=["Power and positionality"], org_size="under_10k"
    )
    ben = add_member(session, community, "U0BEN", themes=["Representation"], org_size="under_10k")
    cy = add_member(
        session, community, "U0CY", themes=["Power and positionality"], org_size="over_10m"
    )
    dee = add_member(session, community, "U0DEE", themes=["Anti-racism"], org_size="under_10k")

    def who(*codes: str) -> set[str]:
        found = audiences.resolve(session, community, list(codes), by_dm=True, now=NOW)
        return {m.platform_user_id for m in found.members}

    assert who("everyone") == {"U0ANA", "U0BEN", "U0CY", "U0DEE"}
    assert who("theme:Power and positionality", "theme:Representation") == {
        "U0ANA",
        "U0BEN",
        "U0CY",
    }
    assert who("theme:Power and positionality", "size:under_10k") == {"U0ANA"}
    assert who("theme:Power and positionality", "theme:Representation", "size:under_10k") == {
        "U0ANA",
        "U0BEN",
    }
    del ana, ben, cy, dee


def test_missed_going_quiet_and_who_is_left_out(session: Session, community: Community) -> None:
    cs = add_session(session, community)  # yesterday
    went = add_member(session, community, "U0WENT")
    sorry = add_member(session, community, "U0SORRY")
    silent = add_member(session, community, "U0SILENT")
    off = add_member(session, community, "U0OFF")
    gone = add_member(session, community, "U0GONE")
    late = add_member(session, community, "U0LATE")
    for member, answer in [(went, RsvpAnswer.GOING), (sorry, RsvpAnswer.DECLINED)]:
        session.add(
            SessionRsvp(session_id=cs.id, member_id=member.id, answer=answer.value, answered_at=NOW)
        )
    for member in [went, sorry, silent, off, gone]:
        member.joined_at = member.last_seen_at = NOW - timedelta(days=30)
    off.broadcasts_enabled = False
    gone.status = "left"
    late.joined_at = cs.ends_at + timedelta(minutes=5)  # joined after it: didn't miss it
    session.flush()
    found = audiences.resolve(session, community, [f"missed:{cs.id}"], by_dm=True, now=NOW)
    assert {m.platform_user_id for m in found.members} == {"U0SORRY", "U0SILENT"}
    assert found.excluded == {"turned_off": 1, "left": 1}
    # In the channel, turning DMs off leaves nobody out: the post is everyone's.
    in_channel = audiences.resolve(session, community, [f"missed:{cs.id}"], by_dm=False, now=NOW)
    assert in_channel.excluded == {"left": 1}
    going = audiences.resolve(session, community, [f"going:{cs.id}"], by_dm=True, now=NOW)
    assert [m.platform_user_id for m in going.members] == ["U0WENT"]
    # Quiet: not heard from in 2 weeks (joining counts as being heard from).
    later = NOW + timedelta(weeks=3)
    silent.last_seen_at = NOW + timedelta(weeks=2)
    late.last_seen_at = late.joined_at
    session.flush()
    quiet = audiences.resolve(session, community, ["quiet:2"], by_dm=True, now=later)
    assert {m.platform_user_id for m in quiet.members} == {"U0WENT", "U0SORRY", "U0LATE"}


def test_confirming_twice_plans_once_and_a_draft_sends_nothing(
    session: Session, community: Community
) -> None:
    author = add_member(session, community, "UFACIL01")
    add_member(session, community, "U0ANA")
    plan = broadcasts.check(draft(), session, community, SETTINGS, NOW)
    broadcast = broadcasts.save(session, community, plan, author, NOW)
    assert session.scalars(select(ScheduledItem)).all() == []
    assert broadcasts.confirm(session, community, broadcast, NOW) is True
    assert broadcasts.confirm(session, community, broadcast, NOW) is False
    [item] = session.scalars(select(ScheduledItem)).all()
    assert (item.kind, item.due_at) == ("broadcast", plan.starts_at)
    assert session.scalars(select(OutboxMessage)).all() == []


@given(st.text(alphabet=st.sampled_from("ab &<>\n"), min_size=1, max_size=9000))
def test_a_long_message_is_cut_into_sections_that_fit_and_lose_nothing(body: str) -> None:
    pieces = notices.pieces(body, limit=300)
    assert all(notices._escaped_length(p) <= 300 for p in pieces)
    squashed = "".join(body.split())
    assert "".join("".join(pieces).split()) == squashed


# PostgreSQL only (SQLite serialises writers, so the overlap exists only there).
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_confirm_clicks_at_the_same_moment_plan_it_once(
    runtime: Runtime, database_url: str
) -> None:
    with unit_of_work(runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "slack", "T0001", timezone="Europe/London", now=NOW
        )
        author = add_member(session, community, "UFACIL01")
        plan = broadcasts.check(draft(), session, community, SETTINGS, NOW)
        broadcast_id = broadcasts.save(session, community, plan, author, NOW).id
    barrier = threading.Barrier(2)
    results: list[bool] = []

    def click() -> None:
        with unit_of_work(runtime.session_factory) as session:
            community = communities.get_or_create(
                session, "slack", "T0001", timezone="Europe/London", now=NOW
            )
            found = broadcasts.find(session, community, broadcast_id)
            assert found is not None
            barrier.wait(timeout=5)
            results.append(broadcasts.confirm(session, community, found, NOW))

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(results) == [False, True]
    with unit_of_work(runtime.session_factory) as session:
        assert len(session.scalars(select(ScheduledItem.id)).all()) == 1
