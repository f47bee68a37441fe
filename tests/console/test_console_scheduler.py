"""The console's own scheduler: a session added in the console reminds its members there."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from bot.console.inbox import ConsoleInbox
from bot.console.shell import PLATFORM, Console
from bot.wiring import Runtime
from core.clock import FakeClock
from scheduler.runner import Runner


class ScriptedInput(io.StringIO):
    """Typed lines; a callable in the script runs between lines (time passing)."""

    def __init__(self, script: list[str | Callable[[], None]]) -> None:
        super().__init__()
        self.script: Iterator[str | Callable[[], None]] = iter(script)

    def readline(self, size: int | None = -1) -> str:
        for step in self.script:
            if callable(step):
                step()
                continue
            return step + "\n"
        return ""


JOIN = ["join", "Sam", "", "Migrant Voice", "3", "2", "", "", "", "", "", "", "", "y"]


def test_a_session_added_in_the_console_reminds_members_in_the_console(
    runtime: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    inbox = ConsoleInbox(clock)
    runner = Runner(
        runtime.session_factory, clock, runtime.settings, inbox, holder="console", platform=PLATFORM
    )
    runner.start(paused=True)

    def an_hour_before() -> None:
        clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
        runner.run_pending()

    script: list[str | Callable[[], None]] = [
        *JOIN,
        ":facilitator",
        "session add",
        "Representation in leadership",
        "",  # theme: none
        "2026-11-30",
        "10:00",
        "90",
        "https://meet.example.org/cop",
        "Bring one example from your organisation.",
        "1h",
        "",
        an_hour_before,
        "sessions",
        ":quit",
    ]
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
    assert "— Catalyst, in your DMs —" in text
    assert "Coming up in 1 hour: Representation in leadership" in text
    assert "Monday 30 November, 10:00–11:30 (Europe/London)" in text
    assert "[1] Going" in text
