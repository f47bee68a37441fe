"""The newsletter service on both databases: the day it is drafted, what it says (and, for
privacy, what it never says), editing, scheduling, sending once, skipping, the documents."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.wiring import Runtime
from core import communities, i18n, privacy
from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery.models import ItemStatus, OutboxMessage, ScheduledItem
from core.errors import InvalidInput, UserError
from core.models import Community, Member, Role
from core.newsletter import builder
from core.newsletter import service as newsletter
from core.newsletter.models import NewsletterItemKind, NewsletterStatus
from core.sessions.models import (
    CommunitySession,
    Reflection,
    RsvpAnswer,
    SessionRsvp,
    Visibility,
)
from core.ui_codec import message_to_json
from tests.reflection_helpers import add_member, add_prompt


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with unit_of_work(runtime.session_factory) as s:
        yield s


@pytest.fixture
def community(session: Session, clock: FakeClock) -> Community:
    return communities.get_or_create(
        session, "slack", "T0001", timezone="Europe/London", now=clock.now() - timedelta(days=40)
    )


def _session(
    session: Session, community: Community, number: int, starts: datetime, title: str
) -> CommunitySession:
    cs = CommunitySession(
        community_id=community.id,
        number=number,
        title=title,
        theme="Power and positionality",
        starts_at=starts,
        duration_minutes=90,
        location="https://meet.example.org/cop",
        description="Read the short piece.",
        created_at=starts - timedelta(days=20),
        updated_at=starts - timedelta(days=20),
    )
    session.add(cs)
    session.flush()
    return cs


def _reflection(
    session: Session,
    member: Member,
    prompt_id: int,
    body: str,
    *,
    visibility: Visibility = Visibility.SHARED,
    quotable: bool = True,
    at: datetime,
) -> Reflection:
    row = Reflection(
        community_id=member.community_id,
        prompt_id=prompt_id,
        member_id=member.id,
        body=body,
        visibility=visibility.value,
        source="form",
        quotable=quotable,
        created_at=at,
        updated_at=at,
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def month(session: Session, community: Community, clock: FakeClock) -> dict[str, object]:
    """A month with a past session, its question, four reflections and a session to come."""
    now = clock.now()
    amina = add_member(session, community, "U0AMINA", display_name="Amina Yusuf")
    sam = add_member(session, community, "U0SAM", display_name="Sam Okafor")
    last = _session(session, community, 1, now - timedelta(days=5), "Power and voice")
    upcoming = _session(session, community, 2, now + timedelta(days=10), "Leading through change")
    session.add(
        SessionRsvp(
            session_id=last.id, member_id=amina.id, answer=RsvpAnswer.GOING.value, answered_at=now
        )
    )
    prompt = add_prompt(session, community, text="What will you carry?", cs=last)
    at = now - timedelta(days=4)
    rows = {
        "shared": _reflection(session, amina, prompt.id, "Ask the board early.", at=at),
        "private": _reflection(
            session, amina, prompt.id, "My private fear.", visibility=Visibility.PRIVATE, at=at
        ),
        "facilitators": _reflection(
            session,
            sam,
            prompt.id,
            "For the facilitators only.",
            visibility=Visibility.FACILITATORS,
            at=at,
        ),
        "no_consent": _reflection(
            session, sam, prompt.id, "Shared, but not for quoting.", quotable=False, at=at
        ),
        "sam_shared": _reflection(session, sam, prompt.id, "Listen first.", at=at),
    }
    return {"amina": amina, "sam": sam, "last": last, "next": upcoming, **rows}


def test_parse_day_and_refuse_nonsense() -> None:
    assert newsletter.parse_day(None) == newsletter.MonthDay(1, newsletter.DRAFT_HOUR)
    assert newsletter.parse_day("15 18:30") == newsletter.MonthDay(
        15, newsletter.parse_day("1 18:30").at
    )
    assert newsletter.parse_day("After-session  2") == newsletter.AfterSession(2)
    for bad in ("31 09:00", "1 25:00", "monthly", "after-session 99"):
        with pytest.raises(UserError):
            newsletter.parse_day(bad)


def test_the_draft_is_planned_on_the_community_day_and_moves_when_it_changes(
    session: Session, community: Community, clock: FakeClock
) -> None:
    now = clock.now()
    newsletter.plan_upcoming(session, now)
    assert session.scalars(select(ScheduledItem)).all() == [], "no facilitator, no draft"
    facilitator = add_member(session, community, "UFACIL01")
    facilitator.role = Role.FACILITATOR.value
    newsletter.plan_upcoming(session, now)
    newsletter.plan_upcoming(session, now)  # planning twice changes nothing
    [item] = session.scalars(
        select(ScheduledItem).where(ScheduledItem.kind == NewsletterItemKind.DRAFT.value)
    ).all()
    local = item.due_at.astimezone(newsletter.ZoneInfo("Europe/London"))
    assert (local.day, local.hour, local.minute) == (1, 9, 0)
    assert item.due_at > now

    starts = now + timedelta(days=3)
    _session(session, community, 1, starts, "Power and voice")
    newsletter.set_day(community, "after-session 2")
    newsletter.plan_upcoming(session, now)
    items = session.scalars(
        select(ScheduledItem).where(ScheduledItem.kind == NewsletterItemKind.DRAFT.value)
    ).all()
    pending = [i for i in items if i.status == ItemStatus.PENDING.value]
    assert [i.status for i in items if i is not pending[0]] == [ItemStatus.CANCELLED.value]
    drafted = pending[0].due_at.astimezone(newsletter.ZoneInfo("Europe/London"))
    assert drafted.date() == starts.date() + timedelta(days=2)


def test_only_shared_consented_reflections_of_present_authors_are_offered(
    session: Session, community: Community, clock: FakeClock, month: dict[str, object]
) -> None:
    draft, new = newsletter.make_draft(session, community, clock.now())
    assert new
    assert newsletter.make_draft(session, community, clock.now()) == (draft, False)
    offered = {r.body for r, _name in newsletter.quotable(session, community, draft, clock.now())}
    assert offered == {"Ask the board early.", "Listen first."}


def test_a_hand_made_choice_of_a_private_reflection_is_refused_and_changes_nothing(
    session: Session, community: Community, clock: FakeClock, month: dict[str, object]
) -> None:
    draft, _new = newsletter.make_draft(session, community, clock.now())
    private = month["private"]
    assert isinstance(private, Reflection)
    with pytest.raises(InvalidInput) as problem:
        newsletter.edit(
            session,
            community,
            draft,
            title=None,
            note="Hello",
            quote_ids=[str(private.id)],
            now=clock.now(),
        )
    assert "quotes" in problem.value.errors
    assert draft.note is None


def test_content_quotes_what_was_chosen_and_an_erased_author_vanishes(
    session: Session, community: Community, clock: FakeClock, month: dict[str, object]
) -> None:
    now = clock.now()
    draft, _new = newsletter.make_draft(session, community, now)
    shared, sam_shared = month["shared"], month["sam_shared"]
    assert isinstance(shared, Reflection)
    assert isinstance(sam_shared, Reflection)
    newsletter.edit(
        session,
        community,
        draft,
        title=None,
        note="Welcome to December.",
        quote_ids=[str(shared.id), str(sam_shared.id)],
        now=now,
    )
    said = newsletter.content(session, community, draft, now)
    assert said.last is not None
    assert said.last.title == "Power and voice"
    assert said.last.going == 1
    assert said.last.question == "What will you carry?"
    assert said.next is not None
    assert said.next.title == "Leading through change"
    assert {(q.body, q.author) for q in said.quotes} == {
        ("Ask the board early.", "Amina Yusuf"),
        ("Listen first.", "Sam Okafor"),
    }

    sam = month["sam"]
    assert isinstance(sam, Member)
    privacy.forget(session, sam, now)
    session.flush()
    session.expire_all()
    said = newsletter.content(session, community, draft, now)
    assert [q.author for q in said.quotes] == ["Amina Yusuf"]
    rendered = str(message_to_json(builder.message(said, "Europe/London")))
    assert "Sam Okafor" not in rendered
    assert "Listen first." not in rendered


def test_send_once_in_each_language_and_by_each_choice(
    session: Session, community: Community, clock: FakeClock, month: dict[str, object]
) -> None:
    now = clock.now()
    amina, sam = month["amina"], month["sam"]
    assert isinstance(amina, Member)
    assert isinstance(sam, Member)
    amina.language = "fr"
    sam.newsletter = "channel"
    off = add_member(session, community, "U0OFF", display_name="Olu Off")
    off.newsletter = "off"
    draft, _new = newsletter.make_draft(session, community, now)
    sent = newsletter.send(session, community, draft, "C0COMMUNITY", now)
    assert sent is not None
    assert (sent.people, sent.channel) == (1, True)
    assert newsletter.send(session, community, draft, "C0COMMUNITY", now) is None
    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.key)).all()
    assert sorted(r.key for r in rows) == sorted(
        [f"newsletter:{draft.id}:channel", f"newsletter:{draft.id}:m{amina.id}"]
    )
    # Amina reads French: the RSVP buttons (from the shipped catalogue) and the date (CLDR).
    with i18n.speaking("fr"):
        going = i18n.without_marks(i18n._("Going"))
    assert going != "Going"
    dm = next(r for r in rows if r.member_id == amina.id)
    assert going in i18n.without_marks(str(dm.payload))
    next_session = month["next"]
    assert isinstance(next_session, CommunitySession)
    weekday = format_date(next_session.starts_at, "EEEE", locale="fr")
    assert weekday in str(dm.payload)
    post = next(r for r in rows if r.member_id is None)
    assert "Going" in str(post.payload)  # the channel post: the community's language
    assert draft.status == NewsletterStatus.SENT.value
    with pytest.raises(UserError):
        newsletter.skip(session, draft, now)


def test_erasure_after_sending_leaves_no_name_in_what_the_outbox_keeps(
    session: Session, community: Community, clock: FakeClock, month: dict[str, object]
) -> None:
    now = clock.now()
    draft, _new = newsletter.make_draft(session, community, now)
    shared, sam_shared, sam = month["shared"], month["sam_shared"], month["sam"]
    assert isinstance(shared, Reflection)
    assert isinstance(sam_shared, Reflection)
    assert isinstance(sam, Member)
    sam.newsletter = "off"
    newsletter.edit(
        session,
        community,
        draft,
        title=None,
        note=None,
        quote_ids=[str(shared.id), str(sam_shared.id)],
        now=now,
    )
    assert newsletter.send(session, community, draft, "C0COMMUNITY", now) is not None
    kept = [str(r.payload) for r in session.scalars(select(OutboxMessage))]
    assert len(kept) == 2
    assert all("Sam Okafor" in payload for payload in kept)

    privacy.forget(session, sam, now)
    session.expire_all()
    kept = [str(r.payload) for r in session.scalars(select(OutboxMessage))]
    assert len(kept) == 2
    for payload in kept:
        assert "Sam Okafor" not in payload
        assert "Listen first." not in payload
        assert "Ask the board early." in payload


def test_schedule_in_the_past_is_a_field_error_and_a_good_one_is_sent_by_its_item(
    session: Session, community: Community, clock: FakeClock, month: dict[str, object]
) -> None:
    now = clock.now()
    draft, _new = newsletter.make_draft(session, community, now)
    yesterday = (now - timedelta(days=1)).date().isoformat()
    with pytest.raises(InvalidInput) as problem:
        newsletter.schedule(session, community, draft, yesterday, "09:00", None, now)
    assert set(problem.value.errors) == {"date"}
    assert draft.status == NewsletterStatus.DRAFT.value

    tomorrow = (now + timedelta(days=1)).date().isoformat()
    at = newsletter.schedule(session, community, draft, tomorrow, "09:00", None, now)
    assert draft.status == NewsletterStatus.SCHEDULED.value
    [item] = session.scalars(
        select(ScheduledItem).where(ScheduledItem.kind == NewsletterItemKind.SEND.value)
    ).all()
    assert item.due_at == at
    from core.newsletter import jobs

    note = jobs.send(session, item, at)
    assert "sent" in note
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 2  # two by DM


def test_documents_are_escaped_and_self_contained(
    session: Session, community: Community, clock: FakeClock, month: dict[str, object]
) -> None:
    now = clock.now()
    draft, _new = newsletter.make_draft(session, community, now)
    newsletter.edit(
        session,
        community,
        draft,
        title="<script>alert(1)</script>",
        note="Hello *all* <b>friends</b>",
        quote_ids=[],
        now=now,
    )
    said = newsletter.content(session, community, draft, now)
    page = builder.html_email(said, "Europe/London")
    assert "<script" not in page
    assert "&lt;script&gt;" in page
    assert "<img" not in page
    assert "style=" in page
    text = builder.markdown(said, "Europe/London")
    assert "\\<script\\>" in text
    assert "Leading through change" in text


def test_a_member_sees_their_choice_in_my_data(session: Session, community: Community) -> None:
    member = add_member(session, community, "U0AMINA")
    newsletter.set_delivery(member, "channel", member.joined_at)
    assert not newsletter.set_delivery(member, "carrier pigeon", member.joined_at)
    data = privacy.personal_data(session, member)
    assert data["newsletter"] == {"newsletter": "channel", "reflections_quoted": []}


# PostgreSQL only, by parametrization rather than a skip: SQLite serialises writers, so
# the overlap exists only there.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_facilitators_sending_at_the_same_moment_send_it_once(
    runtime: Runtime, database_url: str, clock: FakeClock
) -> None:
    """Two requests in two transactions at once (PostgreSQL, where they really overlap):
    the conditional UPDATE lets one through; the other finds it sent."""
    now = clock.now()
    with unit_of_work(runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "slack", "T0001", timezone="Europe/London", now=now
        )
        add_member(session, community, "U0AMINA")
        newsletter_id = newsletter.make_draft(session, community, now)[0].id
    barrier = threading.Barrier(2)
    results: list[object] = []

    def click() -> None:
        with unit_of_work(runtime.session_factory) as session:
            community = communities.get_or_create(
                session, "slack", "T0001", timezone="Europe/London", now=now
            )
            found = newsletter.by_id(session, community, newsletter_id)
            assert found is not None
            barrier.wait(timeout=5)
            results.append(newsletter.send(session, community, found, None, now))

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(result is None for result in results) == [False, True]
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
