"""A poll from the console: a facilitator writes it (options on one line), previews and
confirms; a member reads it in their inbox, votes and changes their vote."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.console.inbox import ConsoleInbox
from bot.console.shell import PLATFORM, Console
from bot.wiring import Runtime
from core.clock import FakeClock
from core.db import unit_of_work
from core.polls.models import PollOption
from scheduler.runner import Runner
from tests.console.test_console_scheduler import ScriptedInput
from tests.console.test_console_sets import join


def test_a_poll_written_voted_and_changed_in_the_console(
    runtime: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    clock.set(datetime(2026, 11, 24, 11, 0, tzinfo=UTC))
    inbox = ConsoleInbox(clock)
    runner = Runner(
        runtime.session_factory, clock, runtime.settings, inbox, holder="console", platform=PLATFORM
    )
    runner.start(paused=True)

    def later() -> None:
        clock.set(datetime(2026, 11, 24, 11, 1, tzinfo=UTC))
        runner.run_pending()

    script: list[str | Callable[[], None]] = []
    for name in ["Ana", "Ben"]:
        script += [f":as {name}", *join(name, f"{name} Org", "n")]
    script += [":as Fran", *join("Fran", "Catalyst CoP", "n"), ":facilitator", "poll"]
    # question, options, members add, choices, votes, date, time, who, how
    script += ["Which evening suits you?", "Monday; Wednesday; Thursday"]
    script += [""] * 7
    script += ["1", later, ":as Ana", "", "2", "3", ":quit"]  # 1: Confirm; then Ana votes
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
    assert "This poll goes by DM to 3 people" in text, text[-3000:]
    assert "Sent: the poll closes" in text, text[-3000:]
    ana = text[text.rindex("acting as 'Ana'") :]
    assert "Which evening suits you?" in ana, ana[-3000:]
    assert "▓▓▓▓▓▓▓▓▓▓ 1 (100%)" in ana, ana[-3000:]
    with unit_of_work(runtime.session_factory) as session:
        votes = [o.votes for o in session.scalars(select(PollOption).order_by(PollOption.position))]
    assert votes == [0, 0, 1], ana[-3000:]
