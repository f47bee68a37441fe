"""The newsletter in the console: a facilitator makes the draft, edits its note and sends
it; the members' copies arrive in the console's DMs, once."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from bot.console.inbox import ConsoleInbox
from bot.console.shell import PLATFORM, Console
from bot.wiring import Runtime
from core.clock import FakeClock
from scheduler.runner import Runner
from tests.console.test_console_scheduler import JOIN, ScriptedInput


def run_console(
    runtime: Runtime, clock: FakeClock, tmp_path: Path, script: list[str | Callable[[], None]]
) -> str:
    inbox = ConsoleInbox(clock)
    runner = Runner(
        runtime.session_factory, clock, runtime.settings, inbox, holder="console", platform=PLATFORM
    )
    runner.start(paused=True)
    out = io.StringIO()
    console = Console(
        dispatcher=runtime.dispatcher(),
        settings=runtime.settings,
        stdin=ScriptedInput([*script, lambda: runner.run_pending(), "help", ":quit"]),
        stdout=out,
        exports_dir=tmp_path,
        inbox=inbox,
    )
    try:
        assert console.run() == 0
    finally:
        runner.stop()
    return out.getvalue()


def test_draft_edit_and_send_in_the_console(
    runtime: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    text = run_console(
        runtime,
        clock,
        tmp_path,
        [*JOIN, ":facilitator", "newsletter draft", "1", "", "Hello from the console.", "2", "y"],
    )
    assert "[1] Edit  [2] Send now  [3] Schedule  [4] Skip this month" in text
    assert "Newsletter 1 is on its way to 1 person by direct message." in text
    dm = text.split("— Catalyst, in your DMs —")[-1]
    assert "Hello from the console." in dm
    assert "Send now" not in dm, "members get the newsletter, not the draft's buttons"
    assert text.count("— Catalyst, in your DMs —") == 1
