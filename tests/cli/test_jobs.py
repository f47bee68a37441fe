"""`catalyst jobs`: an operator's first question, what will the scheduler do next?"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import pytest

from bot.cli import main
from bot.wiring import build_runtime
from core.clock import SystemClock
from tests.cli.test_cli import clean_environment  # noqa: F401 (autouse fixture)
from tests.conftest import make_settings
from tests.scheduler.conftest import add_member, add_session


def test_jobs_lists_when_what_and_for_how_many(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime = build_runtime(make_settings(database_url), clock=SystemClock())
    for user in ("U0A", "U0B", "U0C"):
        add_member(runtime, user)
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
    add_session(runtime, starts, title="Lived experience leadership")
    runtime.close()
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setattr(sys, "argv", ["catalyst", "jobs"])

    assert main(["jobs"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "reminder 7 days before “Lived experience leadership” (session 1)  (3 people)" in out
    assert "reflection prompt for “Lived experience leadership”" in out
    # Due at once, the session on the platform's calendar (where it has one; else done at the
    # scheduler's next sync, doing nothing).
    assert "calendar event for “Lived experience leadership” (session 1)" in lines[0]
    assert lines[-1].startswith("Outbox: 0 waiting")
    assert len(lines) == 7  # calendar event, 3 reminders, prompt, nudges, outbox summary


def test_jobs_on_an_empty_database_says_how_to_start(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["jobs"]) == 0
    assert "Nothing is scheduled. Add a session with /cop session add." in capsys.readouterr().out
