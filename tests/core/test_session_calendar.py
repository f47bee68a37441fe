"""Each version of a session gets one item mirroring it on the platform's own calendar
(core.sessions.plan and core.sessions.mirror): an edit supersedes a pending one, a
cancellation keeps its own while the reminders go, a retry changes nothing; without a
calendar (Slack, the console) the item is done and nothing else happens."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.wiring import Runtime
from core import capabilities, communities
from core.clock import FakeClock
from core.config import Settings
from core.db import unit_of_work
from core.delivery import occurrences
from core.delivery.calendar import CalendarEntry
from core.delivery.models import ItemStatus, ScheduledItem
from core.delivery.outbox import PermanentFailure, RateLimited, TransientFailure
from core.models import Community
from core.schedule_report import upcoming
from core.sessions import service as sessions
from core.sessions.checks import SessionDraft
from core.sessions.models import CommunitySession, SessionItemKind

DRAFT = SessionDraft(
    title="Power and voice",
    theme="Power and positionality",
    date="2026-12-03",
    start_time="18:00",
    duration="90",
    location="https://meet.example.org/cop",
    description="Read the two pages first.",
)


class Calendar:
    """The platform's calendar, at the port: what it was asked, and its answer."""

    def __init__(self, refuse: str | None = None) -> None:
        self.published: list[tuple[CalendarEntry, str | None]] = []
        self.refuse = refuse

    def publish(self, entry: CalendarEntry, event_id: str | None, now: datetime) -> str | None:
        self.published.append((entry, event_id))
        if self.refuse:
            raise PermanentFailure(self.refuse)
        return event_id or "E1"


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with unit_of_work(runtime.session_factory) as session:
        yield session


@pytest.fixture
def community(session: Session, clock: FakeClock) -> Community:
    return communities.get_or_create(
        session, "discord", "G1", timezone="Europe/London", language="fr", now=clock.now()
    )


def calendar_items(session: Session, status: ItemStatus | None = None) -> list[ScheduledItem]:
    query = select(ScheduledItem).where(ScheduledItem.kind == SessionItemKind.CALENDAR.value)
    if status is not None:
        query = query.where(ScheduledItem.status == status.value)
    return list(session.scalars(query.order_by(ScheduledItem.id)))


def run(session: Session, item: ScheduledItem, now: datetime, calendar: Calendar | None) -> str:
    return occurrences.execute(session, item.id, now, capabilities.item_runners(calendar))


def test_each_version_of_a_session_has_one_calendar_item_and_the_latest_wins(
    session: Session, community: Community, settings: Settings, clock: FakeClock
) -> None:
    cs = sessions.create(session, community, settings, DRAFT, clock.now())
    [first] = calendar_items(session, ItemStatus.PENDING)
    assert (first.session_id, first.due_at) == (cs.id, clock.now())
    assert first.due_at + timedelta(seconds=first.grace_seconds) == cs.ends_at

    clock.advance(timedelta(minutes=5))
    sessions.edit(
        session,
        community,
        settings,
        cs,
        dataclasses.replace(DRAFT, start_time="19:00"),
        clock.now(),
    )
    [second] = calendar_items(session, ItemStatus.PENDING)
    assert second.key != first.key
    assert [i.key for i in calendar_items(session, ItemStatus.CANCELLED)] == [first.key]

    clock.advance(timedelta(minutes=5))
    sessions.cancel(session, community, settings, cs, clock.now())
    [third] = calendar_items(session, ItemStatus.PENDING)
    assert third.key not in (first.key, second.key)
    others = session.scalars(
        select(ScheduledItem).where(
            ScheduledItem.session_id == cs.id,
            ScheduledItem.kind != SessionItemKind.CALENDAR.value,
            ScheduledItem.status == ItemStatus.PENDING.value,
        )
    ).all()
    assert others == []  # the reminders went with the session

    calendar = Calendar()
    run(session, third, clock.now(), calendar)
    [(entry, known)] = calendar.published
    assert entry.cancelled
    assert known is None
    assert third.status == ItemStatus.DONE.value


def test_the_entry_is_in_the_community_language_and_its_id_is_kept(
    session: Session, community: Community, settings: Settings, clock: FakeClock
) -> None:
    cs = sessions.create(session, community, settings, DRAFT, clock.now())
    [item] = calendar_items(session)
    calendar = Calendar()
    clock.advance(timedelta(minutes=1))
    run(session, item, clock.now(), calendar)
    [(entry, known)] = calendar.published
    assert known is None
    assert (entry.title, entry.location, entry.cancelled) == (
        "Power and voice",
        "https://meet.example.org/cop",
        False,
    )
    assert (entry.starts_at, entry.ends_at) == (cs.starts_at, cs.ends_at)
    assert "Read the two pages first." in entry.description
    assert "Thème" in entry.description  # the community speaks French
    assert cs.platform_event_id == "E1"
    assert item.status == ItemStatus.DONE.value
    assert "already done" in run(session, item, clock.now(), calendar)  # a retry: nothing
    assert len(calendar.published) == 1

    clock.advance(timedelta(minutes=1))
    sessions.edit(
        session, community, settings, cs, dataclasses.replace(DRAFT, duration="60"), clock.now()
    )
    [edit] = calendar_items(session, ItemStatus.PENDING)
    clock.advance(timedelta(minutes=1))
    run(session, edit, clock.now(), calendar)
    assert calendar.published[-1][1] == "E1"  # the event made before is changed


def test_without_a_calendar_the_item_is_done_and_nothing_is_kept(
    session: Session, community: Community, settings: Settings, clock: FakeClock
) -> None:
    cs = sessions.create(session, community, settings, DRAFT, clock.now())
    [item] = calendar_items(session)
    assert any("calendar event for" in job.what for job in upcoming(session, clock.now()))
    clock.advance(timedelta(minutes=1))
    assert run(session, item, clock.now(), None) == "no calendar on this platform"
    assert item.status == ItemStatus.DONE.value
    assert cs.platform_event_id is None


def test_a_refusal_for_good_is_recorded_on_the_item(
    session: Session, community: Community, settings: Settings, clock: FakeClock
) -> None:
    cs = sessions.create(session, community, settings, DRAFT, clock.now())
    [item] = calendar_items(session)
    clock.advance(timedelta(minutes=1))
    run(session, item, clock.now(), Calendar(refuse="needs the Manage Events permission"))
    assert item.status == ItemStatus.FAILED.value
    assert item.note == "calendar refused: needs the Manage Events permission"
    assert session.get(CommunitySession, cs.id) is cs
    assert cs.platform_event_id is None


def test_an_edit_while_the_platform_is_called_neither_waits_nor_loses_the_event(
    runtime: Runtime, settings: Settings, clock: FakeClock
) -> None:
    """The calendar call can take seconds: no transaction (no lock on the item, the session,
    or SQLite's whole database) stays open across it. A facilitator's edit made meanwhile
    goes through at once, and the event made is kept for the next version to move."""
    with unit_of_work(runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "discord", "G1", timezone="Europe/London", now=clock.now()
        )
        cs_id = sessions.create(session, community, settings, DRAFT, clock.now()).id
        [item] = calendar_items(session, ItemStatus.PENDING)
        item_id = item.id
    clock.advance(timedelta(minutes=1))
    edited = threading.Event()

    def edit() -> None:
        with unit_of_work(runtime.session_factory) as other:
            place = other.get(Community, community.id)
            cs = other.get(CommunitySession, cs_id)
            assert place is not None
            assert cs is not None
            moved = dataclasses.replace(DRAFT, start_time="19:00")
            sessions.edit(other, place, settings, cs, moved, clock.now())
        edited.set()

    class Slow(Calendar):
        def publish(self, entry: CalendarEntry, event_id: str | None, now: datetime) -> str | None:
            worker = threading.Thread(target=edit)
            worker.start()
            worker.join(timeout=20)
            return super().publish(entry, event_id, now)

    calendar = Slow()
    with unit_of_work(runtime.session_factory) as session:
        note = occurrences.execute(
            session, item_id, clock.now(), capabilities.item_runners(calendar)
        )
    assert edited.is_set(), "the edit waited for the calendar call's transaction"
    assert note == "calendar event E1"
    with unit_of_work(runtime.session_factory) as session:
        cs = session.get(CommunitySession, cs_id)
        assert cs is not None
        assert cs.platform_event_id == "E1"  # the next version moves it, not a second one
        assert session.get(ScheduledItem, item_id).status == ItemStatus.CANCELLED.value  # type: ignore[union-attr]
        [newer] = calendar_items(session, ItemStatus.PENDING)
        assert (
            occurrences.execute(session, newer.id, clock.now(), capabilities.item_runners(calendar))
            == "calendar event E1"
        )
    assert [event_id for _entry, event_id in calendar.published] == [None, "E1"]


@pytest.mark.parametrize(
    ("failure", "wait"),
    [(TransientFailure("503"), timedelta(minutes=2)), (RateLimited(300), timedelta(seconds=300))],
)
def test_a_platform_that_is_down_or_busy_is_tried_again_later_not_at_every_sync(
    runtime: Runtime, settings: Settings, clock: FakeClock, failure: Exception, wait: timedelta
) -> None:
    class Down(Calendar):
        def publish(self, entry: CalendarEntry, event_id: str | None, now: datetime) -> str | None:
            raise failure

    with unit_of_work(runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "discord", "G1", timezone="Europe/London", now=clock.now()
        )
        sessions.create(session, community, settings, DRAFT, clock.now())
        [item] = calendar_items(session, ItemStatus.PENDING)
        item_id = item.id
    clock.advance(timedelta(minutes=1))
    with pytest.raises(type(failure)), unit_of_work(runtime.session_factory) as session:
        occurrences.execute(session, item_id, clock.now(), capabilities.item_runners(Down()))
    with unit_of_work(runtime.session_factory) as session:
        later = session.get(ScheduledItem, item_id)
        assert later is not None
        assert later.status == ItemStatus.PENDING.value
        assert later.due_at == clock.now() + wait
        assert (
            occurrences.execute(
                session, item_id, clock.now(), capabilities.item_runners(Calendar())
            )
            == "not due yet"
        )
