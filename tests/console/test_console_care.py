"""Who is drifting in the console: a member pauses and resumes in plain words (a bad
length gets a sentence saying what to type), and a facilitator reads the care list."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from bot.console.shell import Console
from bot.wiring import Runtime
from tests.console.test_console_scheduler import ScriptedInput
from tests.console.test_console_sets import join


def test_pause_resume_and_the_care_list_in_the_console(runtime: Runtime, tmp_path: Path) -> None:
    script: list[str | Callable[[], None]] = [":as Ana", *join("Ana", "Ana Org", "n")]
    script += ["pause for a bit", "pause 2 months", "resume"]
    script += [":as Fran", *join("Fran", "Catalyst CoP", "n"), ":facilitator", "care", ":quit"]
    out = io.StringIO()
    console = Console(
        dispatcher=runtime.dispatcher(),
        settings=runtime.settings,
        stdin=ScriptedInput(script),
        stdout=out,
        exports_dir=tmp_path,
    )
    assert console.run() == 0
    text = out.getvalue()
    assert "I couldn't read how long to pause" in text, text[-3000:]
    assert "Paused until" in text, text[-3000:]
    assert "Welcome back!" in text, text[-3000:]
    assert "Nobody seems to be drifting away right now." in text, text[-3000:]
