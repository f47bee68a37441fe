"""`catalyst export reflections`: the file facilitators take to their evaluation report."""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

import pytest

from bot.cli_export import cmd_export
from bot.wiring import Runtime
from core import communities
from core.config import Settings
from core.db import unit_of_work
from core.reflections import service as reflections
from tests.reflection_helpers import NOW, add_member, add_prompt, add_session


def args(**given: object) -> argparse.Namespace:
    values: dict[str, object] = {
        "what": "reflections",
        "session": None,
        "format": "csv",
        "output": None,
        "community": "T0001",
    }
    values.update(given)
    return argparse.Namespace(**values)


@pytest.fixture
def filled(runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "slack", "T0001", timezone="Europe/London", now=NOW
        )
        member = add_member(session, community, "U0AMINA")
        prompt = add_prompt(session, community, cs=add_session(session, community, number=2))
        reflections.add_from_form(session, member, prompt, "shared words", "shared", NOW)
        reflections.add_from_form(session, member, prompt, "private words", "private", NOW)
        communities.get_or_create(session, "slack", "T0OTHER", timezone="UTC", now=NOW)


def test_csv_to_stdout(
    settings: Settings, filled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cmd_export(settings, args()) == 0
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    assert [(r["session_number"], r["reflection"]) for r in rows] == [("2", "shared words")]
    assert "private words" not in captured.out
    assert "1 reflection" in captured.err


def test_markdown_for_one_session_to_a_file(
    settings: Settings, filled: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.md"
    assert cmd_export(settings, args(format="md", session=2, output=str(target))) == 0
    content = target.read_text(encoding="utf-8")
    assert "## Session 2: Power and voice" in content
    assert "shared words" in content
    assert "private words" not in content
    assert str(target) in capsys.readouterr().err


def test_csv_file_opens_in_spreadsheets(settings: Settings, filled: None, tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    assert cmd_export(settings, args(output=str(target))) == 0
    raw = target.read_bytes()
    assert raw.startswith("\ufeff".encode())
    assert b"\r\n" in raw


def test_unknown_session_or_community(
    settings: Settings, filled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cmd_export(settings, args(session=7)) == 1
    assert "no session 7" in capsys.readouterr().err
    assert cmd_export(settings, args(community="T0NOPE")) == 1
    assert "no community T0NOPE" in capsys.readouterr().err


def test_another_community_by_team_id(
    settings: Settings, filled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cmd_export(settings, args(community="T0OTHER")) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == (
        "session_number,session_title,prompt,member,visibility,written_at,reflection"
    )
    assert "0 reflections" in captured.err


def test_an_empty_database(
    runtime: Runtime, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cmd_export(settings, args(community=None)) == 1
    assert "no community in this database" in capsys.readouterr().err
