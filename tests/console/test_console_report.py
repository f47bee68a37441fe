"""The programme report in the console: a facilitator types `report`, and the HTML file is
written to the exports folder with its path shown."""

from __future__ import annotations

from pathlib import Path

from bot.wiring import Runtime
from core.clock import FakeClock
from tests.console.test_console_newsletter import run_console
from tests.console.test_console_scheduler import JOIN


def test_report_is_saved_as_an_html_file(
    runtime: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    day = clock.now().date()
    text = run_console(runtime, clock, tmp_path, [*JOIN, ":facilitator", f"report {day} {day}"])
    [saved] = list(tmp_path.glob("*programme-report-*.html"))
    assert str(saved) in text.replace("\n", "")
    page = saved.read_text(encoding="utf-8")
    assert '<h2 id="membership-title">Membership</h2>' in page
    assert "I've sent you the programme report as a file in our DM." in text
