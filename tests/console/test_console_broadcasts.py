"""A broadcast from the console: a facilitator writes one form, sees the preview with the
count, confirms, and each member reads it in their inbox; the report follows."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.console.inbox import ConsoleInbox
from bot.console.shell import PLATFORM, Console
from bot.wiring import Runtime
from core.clock import FakeClock
from scheduler.runner import Runner
from tests.console.test_console_scheduler import ScriptedInput
from tests.console.test_console_sets import join


def test_a_broadcast_written_previewed_and_read_in_the_console(
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
    script += [":as Fran", *join("Fran", "Catalyst CoP", "n"), ":facilitator", "broadcast"]
    # message, a question?, who, how, notify, language, when, date, time, repeat until
    script += ["Thank you for a wonderful session: *notes* are in the library.", ""]
    script += [""] * 8
    script += ["1", later, "broadcasts", ":as Ana", "", ":quit"]  # 1: Confirm
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
    assert "This goes by DM to 3 people" in text, text[-3000:]
    assert "Confirmed: broadcast " in text, text[-3000:]
    assert "3 delivered" in text, text[-3000:]
    ana = text[text.rindex("acting as 'Ana'") :]
    assert "Thank you for a wonderful session" in ana, text[-2000:]
