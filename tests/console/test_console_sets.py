"""Action learning sets in the console: four people ask for a set as they join, a
facilitator forms and confirms it, and the set's private space is a named room its members
read, on the console's own scheduler and inbox (the same recipients as Slack)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.console.inbox import ConsoleInbox
from bot.console.shell import PLATFORM, Console, user_id_for
from bot.wiring import Runtime
from core.clock import FakeClock
from core.db import unit_of_work
from core.sets.models import LearningSet
from scheduler.runner import Runner
from tests.console.test_console_scheduler import ScriptedInput

PEOPLE = {"Ana": "Welcome Hub", "Ben": "Migrant Voice", "Cy": "Open Doors", "Dee": "Safe Passage"}


def join(name: str, organisation: str, wants_set: str) -> list[str]:
    # name, pronouns, organisation, size, role, themes, languages, language, timezone,
    # peer coaching, lived experience, action learning set, agreement
    return ["join", name, "", organisation, "3", "2", "", "", "", "", "", "", wants_set, "y"]


def test_a_set_formed_in_the_console_meets_in_a_named_room(
    runtime: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    inbox = ConsoleInbox(clock)
    runner = Runner(
        runtime.session_factory, clock, runtime.settings, inbox, holder="console", platform=PLATFORM
    )
    runner.start(paused=True)
    script: list[str | Callable[[], None]] = []
    for name, organisation in PEOPLE.items():
        script += [f":as {name}", *join(name, organisation, "y")]
    script += [":as Fran", *join("Fran", "Catalyst CoP", "n"), ":facilitator", "sets form"]
    script += [""] * 8  # every choice as offered: sets of 4-6, same band, 6 meetings, ...
    script += ["1", runner.run_pending, ":as Ana", "set", ":quit"]  # 1: Confirm
    out = io.StringIO()
    console = Console(
        dispatcher=runtime.dispatcher(),
        settings=runtime.settings,
        stdin=ScriptedInput(script),
        stdout=out,
        exports_dir=tmp_path,
        inbox=inbox,
    )
    try:
        assert console.run() == 0
    finally:
        runner.stop()
    text = out.getvalue()
    with unit_of_work(runtime.session_factory) as session:
        rooms = [s.space_id for s in session.scalars(select(LearningSet))]
    assert len(rooms) == 1, text[-3000:]
    [room] = rooms
    assert room is not None
    assert room.startswith("#cop-set-")
    assert sorted(inbox.members_of(room)) == sorted(user_id_for(name) for name in PEOPLE)
    assert f"in {room}" in text  # Ana reads the welcome in the set's room
