"""`catalyst community`: operators set texts and settings; the calendar feed serves sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.cli import main
from bot.wiring import build_runtime
from core import communities
from core.clock import SystemClock
from core.db import unit_of_work
from core.models import Community
from tests.cli.test_cli import clean_environment  # noqa: F401 (autouse fixture)
from tests.conftest import make_settings
from tests.scheduler.conftest import add_member, add_session


def community(database_url: str) -> Community:
    runtime = build_runtime(make_settings(database_url), clock=SystemClock())
    try:
        with unit_of_work(runtime.session_factory) as session:
            found = session.query(Community).one()
            session.expunge(found)
            return found
    finally:
        runtime.close()


def test_set_texts_and_settings_and_show_them(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    runtime = build_runtime(make_settings(database_url), clock=SystemClock())
    add_member(runtime, "U0A")
    runtime.close()
    monkeypatch.setenv("DATABASE_URL", database_url)
    rules = tmp_path / "rules.txt"
    rules.write_text("Be kind. Keep confidences.", encoding="utf-8")
    code = main(
        [
            "community",
            "set",
            "--timezone",
            "Europe/Dublin",
            "--reminders",
            "2d, 2h",
            "--channel",
            "C0REFLECT",
            "--ground-rules",
            str(rules),
        ]
    )
    assert code == 0
    assert "Changed timezone: Europe/Dublin" in capsys.readouterr().out
    stored = community(database_url)
    assert (stored.timezone, stored.reminder_offsets, stored.channel_id) == (
        "Europe/Dublin",
        "2d,2h",
        "C0REFLECT",
    )
    assert stored.ground_rules == "Be kind. Keep confidences."
    assert main(["community", "show"]) == 0
    assert "ground rules:      custom" in capsys.readouterr().out


def test_a_bad_value_changes_nothing(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime = build_runtime(make_settings(database_url), clock=SystemClock())
    add_member(runtime, "U0A")
    runtime.close()
    monkeypatch.setenv("DATABASE_URL", database_url)
    code = main(["community", "set", "--timezone", "Europe/Dublin", "--reminders", "7x"])
    assert code == 2
    assert "Nothing changed" in capsys.readouterr().err
    assert community(database_url).timezone == "Europe/London"


def test_calendar_link_serves_upcoming_sessions(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime = build_runtime(make_settings(database_url), clock=SystemClock())
    add_member(runtime, "U0A")
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
    add_session(runtime, starts, title="Representation")
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["community", "calendar-link", "--base-url", "https://cop.example.org/"]) == 0
    url = capsys.readouterr().out.splitlines()[0]
    assert url.startswith("https://cop.example.org/calendar/")
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 30
    feed = runtime.calendar_feed(token)
    assert feed is not None
    [event] = Calendar.from_ical(feed).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Representation"
    assert event.decoded("DTSTART") == starts
    assert runtime.calendar_feed("not-a-token") is None
    runtime.close()


def test_delivery_hours_per_community(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime = build_runtime(make_settings(database_url), clock=SystemClock())
    add_member(runtime, "U0A")
    runtime.close()
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["community", "set", "--delivery-hours", "20:00-08:00"]) == 2
    assert "start before the end" in capsys.readouterr().err
    assert community(database_url).delivery_hours is None  # a bad value changed nothing
    assert main(["community", "set", "--delivery-hours", "09:00-18:00"]) == 0
    assert community(database_url).delivery_hours == "09:00-18:00"
    assert main(["community", "show"]) == 0
    assert "DM delivery hours: 09:00-18:00" in capsys.readouterr().out
    assert main(["community", "set", "--delivery-hours", ""]) == 0
    assert community(database_url).delivery_hours is None


def test_with_two_communities_the_operator_is_asked_which(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Slack workspace and a Discord server in one database: no command picks one
    silently; each names them and takes --community."""
    runtime = build_runtime(make_settings(database_url), clock=SystemClock())
    add_member(runtime, "U0A")
    with unit_of_work(runtime.session_factory) as session:
        communities.get_or_create(
            session,
            "discord",
            "812345678901234567",
            timezone="Europe/Paris",
            now=runtime.clock.now(),
        )
    runtime.close()
    monkeypatch.setenv("DATABASE_URL", database_url)
    capsys.readouterr()
    for command in (
        ["community", "show"],
        ["export", "reflections"],
        ["newsletter", "export", "1"],
        ["export", "resources"],
    ):
        assert main(command) == 1, command
        said = capsys.readouterr().err
        assert "2 communities" in said, command
        assert "812345678901234567 (discord)" in said, command
        assert "--community" in said
        assert "Traceback" not in said
    assert main(["community", "show", "--community", "812345678901234567"]) == 0
    assert "Europe/Paris" in capsys.readouterr().out
    assert main(["community", "show", "--community", "T0NOPE"]) == 1
    assert "no community T0NOPE" in capsys.readouterr().err


def test_a_console_try_out_beside_a_workspace_is_not_in_the_way(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime = build_runtime(make_settings(database_url), clock=SystemClock())
    with unit_of_work(runtime.session_factory) as session:
        communities.get_or_create(
            session, "console", "local", timezone="Europe/Paris", now=runtime.clock.now()
        )
    add_member(runtime, "U0A")
    runtime.close()
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["community", "show"]) == 0
    assert "Europe/London" in capsys.readouterr().out


def test_care_rules_per_community(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime = build_runtime(make_settings(database_url), clock=SystemClock())
    add_member(runtime, "U0A")
    runtime.close()
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["community", "show"]) == 0
    assert "sessions=2, no-shows=2, reminders=3" in capsys.readouterr().out
    assert main(["community", "set", "--care-rules", "sessions=two"]) == 2
    assert "whole number" in capsys.readouterr().err
    assert main(["community", "set", "--care-rules", "naps=2"]) == 2
    assert "There is no rule called “naps”" in capsys.readouterr().err
    assert community(database_url).care_rules is None  # a bad value changed nothing
    assert main(["community", "set", "--care-rules", "sessions=3,reminders=0"]) == 0
    assert community(database_url).care_rules == {"sessions": 3, "reminders": 0}
    assert main(["community", "set", "--care-rules", "pairings=4,no-shows=3"]) == 0
    assert community(database_url).care_rules == {
        "sessions": 3,
        "no_shows": 3,
        "reminders": 0,
        "pairings": 4,
    }
    assert main(["community", "set", "--care-rules", ""]) == 0
    assert community(database_url).care_rules is None
