"""A new facilitator's first hour in the console, end to end, as the walk-through went.

Every date is built from the fake clock the test sets, so the walk reads the same on any
day. Each step checks what the walk-through found wrong: mistakes caught on the question
that has them, the role switch stored, session text on separate lines, a mention by display
name, and so on.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.console.inbox import ConsoleInbox
from bot.console.shell import PLATFORM, Console
from bot.wiring import Runtime
from core import schedule_report
from core.clock import FakeClock
from core.db import unit_of_work
from core.models import Member
from core.pairing import service as pairing
from core.sessions.models import CommunitySession
from scheduler.runner import Runner
from tests.console.test_console_scheduler import ScriptedInput
from tests.console.test_shell import joined

Step = str | Callable[[], None]


def join_as(name: str, organisation: str) -> list[Step]:
    return [
        "join",
        name,
        "",  # pronouns
        organisation,
        "3",
        "2",
        "",  # themes: none
        "",  # languages: keep English
        "",  # the language Catalyst writes in: keep English
        "Amman",  # a city, not a number: the timezone question finds Asia/Amman
        "",  # pairing: keep Monthly
        "n",
        "",  # an action learning set: not now
        "y",
    ]


@pytest.fixture
def walk(runtime: Runtime, clock: FakeClock, tmp_path: Path) -> Callable[[list[Step]], str]:
    inbox = ConsoleInbox(clock)
    runner = Runner(
        runtime.session_factory, clock, runtime.settings, inbox, holder="console", platform=PLATFORM
    )
    runner.start(paused=True)

    def run(steps: list[Step]) -> str:
        out = io.StringIO()
        console = Console(
            dispatcher=runtime.dispatcher(),
            settings=runtime.settings,
            stdin=ScriptedInput(steps),
            stdout=out,
            exports_dir=tmp_path,
            inbox=inbox,
        )
        assert console.run() == 0
        return out.getvalue()

    yield run
    runner.stop()


def jobs_listing(runtime: Runtime) -> str:
    """What `catalyst jobs` prints, from the same report."""
    with unit_of_work(runtime.session_factory) as session:
        planned = schedule_report.upcoming(session, runtime.clock.now())
    return "\n".join(f"{job.due}  {job.what}" for job in planned)


def flat(output: str) -> str:
    return " ".join(output.split())


def sessions_stored(runtime: Runtime) -> list[CommunitySession]:
    with unit_of_work(runtime.session_factory) as session:
        return list(session.scalars(select(CommunitySession)))


def test_the_first_hour(
    runtime: Runtime, clock: FakeClock, walk: Callable[[list[Step]], str]
) -> None:
    clock.set(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))  # a Monday morning, in GMT
    next_week = (clock.now() + timedelta(days=7)).date().isoformat()

    # Join, then become a facilitator: stored, so every screen and the next start agree.
    output = walk([*join_as("Fran Facilitator", "Welcome Hub"), ":facilitator", ":who"])
    assert "Welcome, Fran Facilitator!" in output
    assert "It's stored with your membership" in output
    assert "role: facilitator" in output
    assert joined(runtime).role == "facilitator"
    assert joined(runtime).timezone == "Asia/Amman"
    assert "[y/n, now n]" in output
    assert "? [y/n" not in output  # statements aren't turned into questions

    # A session with "today" as its date: refused on the date question, at once, and only
    # the date is asked again (not the nine questions after it).
    output = walk(
        [
            "session add",
            "Representation in leadership",
            "",  # theme: none
            "today",
            next_week,
            "10:00",
            "90",
            "https://meet.example.org/cop",
            "Bring one example from your organisation.",
            "",
            "",
            "sessions",
        ]
    )
    date_error = "Date: Please give the date as YYYY-MM-DD"
    assert date_error in output
    assert output.index(date_error) < output.index("Start time")
    assert output.count("Start time") == 1
    assert "Session 1 is added" in output
    [added] = sessions_stored(runtime)
    assert added.starts_at == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    # Session text on its own lines, not one paragraph.
    shown = output.split("Upcoming sessions", 1)[1]
    assert "To prepare: Bring one example from your organisation.\n" in shown

    # A question for 07:00 today (already past): refused on the time, the time asked again
    # with its own question, the rest kept. (`prompt` is the broadcast form, question ticked.)
    output = walk(
        [
            "prompt",
            "What helped you rest this week?",
            "",  # a question: keep it ticked
            "",  # who: everyone
            "",  # how: as offered
            "",  # don't notify the channel
            "",  # the language of a channel post: the community's
            "2",  # at the date and time below
            "",  # date: keep today
            "07:00",
            "11:00",
            "",  # no repeat
            "1",  # Confirm
        ]
    )
    assert "Time: That time has passed." in output
    assert output.count("Date (optional) (YYYY-MM-DD)") == 1
    assert output.count("Time (optional) (HH:MM, 24-hour)") == 2
    assert "Please type a number" not in output
    assert "Confirmed: broadcast" in output

    # A second person, mentioned by display name.
    output = walk([":as Sam", *join_as("Sam Okafor", "Migrant Voice"), "pair avoid @Fran"])
    assert "isn't a member" not in output

    # Sam can't come and says why; the facilitator sees it.
    output = walk([":as Sam", "sessions", "3", "Trustee meeting clash, sorry", "y"])
    assert "Trustee meeting clash, sorry" not in output.split("sessions", 1)[0]
    output = flat(walk(["session 1"]))
    assert "Can't make it (1) • Sam Okafor: “Trustee meeting clash, sorry”" in output
    assert "Monday 30 November, 13:00–14:30 (Asia/Amman)" in output  # in Fran's own time

    # Peer-coaching rounds on (every answer kept): the settings reply, both parts of Home
    # and `catalyst jobs` name the same round.
    output = flat(walk(["pairing settings", *[""] * (5 + len(pairing.WEIGHT_FIELDS)), ":home"]))
    next_round = "Monday 30 November, 12:00 (Asia/Amman), which is 09:00 (Europe/London)"
    assert f"Saved. The next round is {next_round}" in output
    assert output.count(f"Next round: {next_round}") == 2  # the member's part and the facilitators'
    assert "Monday 30 November, 09:00 (Europe/London)  peer-coaching round 1" in jobs_listing(
        runtime
    )
    # Nudges follow a session by the nudge delay, never a stand-alone prompt.
    assert "nudges and catch-ups for a stand-alone prompt" not in jobs_listing(runtime)

    # my-data reads like a letter, in Fran's time, with no raw timestamps or hashes.
    output = flat(walk(["my-data"]))
    assert "Times are in your timezone, Asia/Amman." in output
    assert "You joined on Monday 23 November 2026 at 12:30." in output
    assert "you're a facilitator of the community" in output
    assert "+00:00" not in output
    assert "Consent version" not in output

    # A typo never starts erasure; the exact word does, after a confirmation.
    output = flat(walk([":as Sam", "forgetme", "forget-me", "1", "y"]))
    assert "I don't know “forgetme”. Did you mean /cop forget-me?" in output
    assert "everything Catalyst held about you has been erased" in output
    with unit_of_work(runtime.session_factory) as session:
        left = session.scalar(select(func.count()).select_from(Member))
    assert left == 1


def test_a_required_choice_offers_no_way_to_choose_none(
    walk: Callable[[list[Step]], str],
) -> None:
    output = walk(join_as("Amina", "Refugee Action Now"))
    assert "Numbers [Enter keeps *]:" in output
    assert "- for none" not in output.split("Languages", 1)[1].split("timezone", 1)[0]


def test_an_overlong_answer_is_refused_on_its_own_question(
    walk: Callable[[list[Step]], str],
) -> None:
    steps = join_as("Amina", "x" * 700)
    steps.insert(4, "Refugee Action Now")  # the corrected organisation, asked again at once
    output = walk(steps)
    refused = "Organisation: Please keep"
    assert refused in output
    assert output.index(refused) < output.index("Organisation size")
    assert "Welcome, Amina!" in output
