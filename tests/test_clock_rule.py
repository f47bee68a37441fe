"""Nothing below tests/ reads the wall clock except the clock itself (ruff's TID251 rule).

The rule lives in pyproject.toml; this test proves it still bites, so that loosening it
shows up as a failing test and not as a quiet return of date-bound code.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUFF = Path(sys.executable).with_name("ruff")

READS_THE_WALL_CLOCK = """\
import time
from datetime import UTC, date, datetime


def stamp() -> object:
    return datetime.now(UTC), date.today(), time.time()
"""


def ruff_on(source: str, as_path: str) -> str:
    done = subprocess.run(
        [str(RUFF), "check", "--no-cache", "--stdin-filename", as_path, "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    return done.stdout + done.stderr


@pytest.mark.parametrize("place", ["core", "handlers", "scheduler", "bot"])
def test_reading_the_wall_clock_outside_the_clock_is_refused(place: str) -> None:
    report = ruff_on(READS_THE_WALL_CLOCK, f"{place}/probe.py")
    for banned in ("datetime.datetime.now", "datetime.date.today", "time.time"):
        assert f"`{banned}` is banned" in report, report


def test_the_clock_itself_and_measured_durations_are_allowed() -> None:
    assert "banned" not in ruff_on(READS_THE_WALL_CLOCK, "core/clock.py")
    durations = (
        "import time\n\n\ndef took(start: float) -> float:\n    return time.monotonic() - start\n"
    )
    assert "banned" not in ruff_on(durations, "scheduler/probe.py")
