"""Subject access and erasure: my-data holds the whole profile; forget-me leaves no trace."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.wiring import Runtime
from core import communities, privacy
from core.db import unit_of_work
from core.membership import service as membership
from core.models import Base, Community, Member, MembershipEvent
from tests.core.drafts import draft

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with unit_of_work(runtime.session_factory) as session:
        yield session


@pytest.fixture
def community(session: Session) -> Community:
    return communities.get_or_create(session, "slack", "T0001", timezone="Europe/London", now=NOW)


def add_member(session: Session, community: Community, user_id: str, **changes: object) -> Member:
    profile = membership.check_profile(draft(**changes), community, joining=True)
    member, _ = membership.join(session, community, user_id, profile, NOW)
    return member


def every_stored_value(session: Session) -> list[str]:
    """Every value in every row of every table, as text."""
    values: list[str] = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            values += [str(value) for value in row]
    return values


def test_personal_data_holds_the_profile_including_the_private_preference(
    session: Session, community: Community
) -> None:
    member = add_member(session, community, "U0AMINA", lived_experience_match=True)
    data = privacy.personal_data(session, member)
    profile = data["profile"]
    assert profile["display_name"] == "Amina Yusuf"
    assert profile["pronouns"] == "she/her"
    assert profile["organisation"] == "Refugee Action Now"
    assert profile["organisation_size"] == "£100k–£1m"
    assert profile["languages"] == ["English", "Arabic"]
    assert profile["themes"] == ["Anti-racism", "Lived experience leadership"]
    assert profile["private_lived_experience_matching_preference"] is True
    assert profile["platform_user_id"] == "U0AMINA"
    assert profile["consent_given_at"] == NOW.isoformat()
    assert profile["left_at"] is None


def test_personal_data_is_only_about_that_member(session: Session, community: Community) -> None:
    amina = add_member(session, community, "U0AMINA")
    add_member(session, community, "U0SAM", display_name="Sam Okafor", organisation="Open Doors")
    text = str(privacy.personal_data(session, amina))
    assert "Sam Okafor" not in text
    assert "Open Doors" not in text
    assert "U0SAM" not in text


def test_forget_deletes_the_member_and_keeps_an_anonymous_count(
    session: Session, community: Community
) -> None:
    member = add_member(session, community, "U0AMINA")
    privacy.forget(session, member, NOW + timedelta(days=1))
    assert membership.find(session, community, "U0AMINA") is None
    kinds = session.scalars(select(MembershipEvent.kind).order_by(MembershipEvent.id)).all()
    assert kinds == ["joined", "forgotten"]
    assert session.scalar(select(func.count()).select_from(Member)) == 0


def test_forget_leaves_no_row_mentioning_the_member(session: Session, community: Community) -> None:
    amina = add_member(
        session,
        community,
        "U0AMINAXYZ",
        display_name="Amina Zephyrine",
        pronouns="ze/zir",
        organisation="Zephyr Welcome Project",
    )
    add_member(session, community, "U0SAMQRS", display_name="Sam Quill", organisation="Open Doors")
    session.flush()
    before = " ".join(every_stored_value(session))
    assert "Amina Zephyrine" in before  # the scan does see member data
    privacy.forget(session, amina, NOW)
    session.flush()
    after = " ".join(every_stored_value(session))
    for trace in ("U0AMINAXYZ", "Amina Zephyrine", "Zephyr Welcome Project", "ze/zir"):
        assert trace not in after
    assert "Sam Quill" in after  # other members are untouched


def test_forget_me_removes_group_messages_that_name_them_and_no_others(
    session: Session, community: Community
) -> None:
    from core import ui
    from core.delivery import outbox as outbox
    from core.delivery.models import OutboxMessage

    amina = add_member(session, community, "U0AMINA")
    message = ui.notice("Meet your peer-coaching partner.")
    outbox.enqueue(
        session,
        community.id,
        [
            outbox.Outgoing(f"k{i}", "pairing_intro", recipient, message, NOW)
            for i, recipient in enumerate(
                ["U0SAM,U0AMINA", "U0AMINA,U0SAM", "U0A,U0AMINA,U0B", "U0AMINAX,U0SAM", "U0SAM"]
            )
        ],
        NOW,
    )
    privacy.forget(session, amina, NOW)
    left = sorted(session.scalars(select(OutboxMessage.recipient)))
    assert left == ["U0AMINAX,U0SAM", "U0SAM"]
