"""One answer to "when is the next peer-coaching round?" (issue 10, item 3).

A facilitator in Amman saves the settings at 07:47 for a round at 09:00 the same day (the
community is on London time). The settings reply, the facilitators' Home, each member's
Home and `pair`, and `catalyst jobs` must all name that same round, each reader in their
own timezone with the community's time beside it when they differ. `catalyst jobs` lists
the round as a round, not as "nudges for a stand-alone prompt".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.wiring import Runtime
from core import schedule_report
from core.broadcasts.models import Broadcast
from core.clock import FakeClock
from core.context import Caller
from core.db import unit_of_work
from core.delivery.models import ItemStatus, ScheduledItem
from core.pairing.models import PairingItemKind
from core.timefmt import when
from core.ui import DirectMessage, FieldValue
from handlers.broadcasts.commands import CONFIRM as BROADCAST_CONFIRM
from handlers.broadcasts.form import BROADCAST_FORM
from handlers.dispatch import Dispatcher
from tests.handlers.plain import message_text, one, page_text, said
from tests.helpers import caller, profile_values

FACILITATOR = caller("UFACIL01", facilitator=True)
SAM = caller("U0SAM")  # Amman, like the facilitator
LEE = caller("U0LEE")  # London, like the community
LONDON, AMMAN = "Europe/London", "Asia/Amman"
T = TypeVar("T")


def in_db(runtime: Runtime, work: Callable[[Session], T]) -> T:
    with unit_of_work(runtime.session_factory) as session:
        return work(session)


def join(dispatcher: Dispatcher, who: Caller, name: str, zone: str) -> None:
    values = profile_values(display_name=name, timezone=zone, pairing_cadence="weekly")
    one(dispatcher.submit(who, "membership.join", values, ""), DirectMessage)


def next_weekday(clock: FakeClock, weekday: int) -> date:
    """The first `weekday` strictly after the fake clock's day."""
    today = clock.now().astimezone(ZoneInfo(LONDON)).date()
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def london(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(LONDON)).astimezone(UTC)


def settings_values(weekday: int, local_time: str = "09:00") -> dict[str, FieldValue]:
    values: dict[str, FieldValue] = {
        "enabled": True,
        "weekday": str(weekday),
        "local_time": local_time,
        "recency_weeks": "12",
        "blend": "mix",
    }
    for name in (
        "weight_organisation",
        "weight_hours",
        "weight_lived_experience",
        "weight_theme",
        "weight_org_size",
        "weight_role_level",
    ):
        values[name] = "1"
    return values


def save_settings(dispatcher: Dispatcher, weekday: int) -> str:
    replies = dispatcher.submit(FACILITATOR, "pairing.settings", settings_values(weekday), "")
    return message_text(one(replies, DirectMessage).message)


def home(dispatcher: Dispatcher, who: Caller) -> str:
    return page_text(dispatcher.home(who))


def jobs(runtime: Runtime, clock: FakeClock) -> list[str]:
    planned = in_db(runtime, lambda s: schedule_report.upcoming(s, clock.now()))
    return [f"{job.due}  {job.what}  ({job.people} people)" for job in planned]


def for_amman(at: datetime) -> str:
    """What a reader in Amman sees: their time, then the community's."""
    return f"{when(at, AMMAN)}, which is {at.astimezone(ZoneInfo(LONDON)):%H:%M} (Europe/London)"


def test_every_view_names_the_same_next_round(
    runtime: Runtime, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    join(dispatcher, FACILITATOR, "Farah Haddad", AMMAN)
    join(dispatcher, SAM, "Sam Odeh", AMMAN)
    join(dispatcher, LEE, "Lee Chen", LONDON)
    wednesday = next_weekday(clock, 2)
    clock.set(london(wednesday, 7, 47))
    round_at = london(wednesday, 9)
    in_amman = f"{for_amman(round_at)} in the community's timezone"

    reply = save_settings(dispatcher, weekday=2)
    assert f"The next round is {in_amman}" in reply
    assert "no heads-up this time" in reply  # under a day away: no day-before line is planned

    facilitators = home(dispatcher, FACILITATOR)
    assert "No peer-coaching round yet" not in facilitators
    assert "No peer-coaching round has run yet." in facilitators
    assert f"Next round: {in_amman}." in facilitators
    assert f"Next round: {in_amman}." in home(dispatcher, SAM)
    assert f"Next round: {in_amman}." in said(dispatcher.command(SAM, "pair"))
    assert f"Next round: {when(round_at, LONDON)}." in home(dispatcher, LEE)

    listed = jobs(runtime, clock)
    assert listed == [f"{when(round_at, LONDON)}  peer-coaching round 1  (3 people)"]

    # 09:01: the round is due and about to run. It is still "the next round" everywhere,
    # not next week's.
    clock.set(round_at + timedelta(minutes=1))
    assert f"Next round: {in_amman}." in home(dispatcher, FACILITATOR)
    assert f"Next round: {when(round_at, LONDON)}." in home(dispatcher, LEE)
    assert jobs(runtime, clock) == listed


def test_jobs_lists_the_round_its_notice_and_a_stand_alone_prompt_without_nudges(
    runtime: Runtime, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    join(dispatcher, FACILITATOR, "Farah Haddad", AMMAN)
    join(dispatcher, LEE, "Lee Chen", LONDON)
    wednesday = next_weekday(clock, 2)
    clock.set(london(wednesday - timedelta(days=2), 7, 47))  # the Monday before
    round_at, notice_at = london(wednesday, 9), london(wednesday - timedelta(days=1), 9)
    reply = save_settings(dispatcher, weekday=2)
    assert "members get a one-line heads-up the day before" in reply
    prompt = {
        "body": "What's one thing you said no to this week?",
        "question": ["question"],
        "audience": ["everyone"],
        "way": "dm",
        "when": "at",
        "date": wednesday.isoformat(),
        "time": "09:00",
    }
    dispatcher.submit(FACILITATOR, BROADCAST_FORM, prompt, "")
    with unit_of_work(runtime.session_factory) as session:
        broadcast_id = session.scalars(select(Broadcast.id)).one()
    dispatcher.action(FACILITATOR, BROADCAST_CONFIRM, str(broadcast_id))

    # A stand-alone prompt has no nudge (the nudge is for a session's attendees): the
    # walk-through's "nudges for a stand-alone prompt at 09:00" was the round, mislabelled.
    assert jobs(runtime, clock) == [
        f"{when(notice_at, LONDON)}  day-before notice for peer-coaching round 1  (2 people)",
        f"{when(round_at, LONDON)}  peer-coaching round 1  (2 people)",
        f"{when(round_at, LONDON)}  a question to reflect on (broadcast {broadcast_id})"
        "  (2 people)",
    ]


def test_jobs_shows_the_next_round_before_the_scheduler_has_planned_it(
    runtime: Runtime, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    join(dispatcher, FACILITATOR, "Farah Haddad", AMMAN)
    join(dispatcher, LEE, "Lee Chen", LONDON)
    wednesday = next_weekday(clock, 2)
    clock.set(london(wednesday, 7, 47))
    save_settings(dispatcher, weekday=2)

    def round_ran(session: Session) -> None:  # as the scheduler leaves it, before its next sync
        session.execute(
            update(ScheduledItem)
            .where(ScheduledItem.kind == PairingItemKind.ROUND.value)
            .values(status=ItemStatus.DONE.value)
        )

    in_db(runtime, round_ran)
    clock.set(london(wednesday, 9, 1))
    week_later = london(wednesday + timedelta(days=7), 9)
    assert jobs(runtime, clock) == [
        f"{when(week_later, LONDON)}  peer-coaching round 1 (the scheduler plans it at its "
        "next check)  (2 people)"
    ]
    assert f"Next round: {when(week_later, LONDON)}." in home(dispatcher, LEE)
    pending = in_db(
        runtime,
        lambda s: list(
            s.scalars(select(ScheduledItem).where(ScheduledItem.status == ItemStatus.PENDING))
        ),
    )
    assert pending == []  # listing the jobs planned nothing
