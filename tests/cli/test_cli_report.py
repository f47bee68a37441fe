"""`catalyst report`: through the real entry point (`bot.cli.main`), on both databases, with
plain sentences for bad dates, a backwards period and an unknown community."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot import wiring
from bot.cli import main
from bot.wiring import Runtime
from core.clock import FakeClock
from core.db import unit_of_work
from tests.conftest import table_counts
from tests.core.evaluation import programme


def exit_code(run: Callable[[], int]) -> int:
    try:
        return run()
    except SystemExit as stop:
        return int(stop.code or 0)


@pytest.fixture
def built(
    runtime: Runtime, database_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> Runtime:
    monkeypatch.setenv("DATABASE_URL", database_url)
    # The command reads "now" (sessions after it aren't counted): the test's clock, not the
    # wall clock, and after the programme.
    clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    monkeypatch.setattr(wiring, "SystemClock", lambda: clock)
    with unit_of_work(runtime.session_factory) as session:
        programme.build(session)
    return runtime


PERIOD = ["report", "--from", "2026-01-01", "--to", "2026-03-31"]


def test_pdf_to_a_file(built: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.pdf"
    assert main([*PERIOD, "--format", "pdf", "--output", str(target)]) == 0
    reader = PdfReader(io.BytesIO(target.read_bytes()))
    assert "Peer coaching" in " ".join(page.extract_text() for page in reader.pages)
    assert f"to {target}" in capsys.readouterr().err


def test_html_by_default_and_organisations_named_on_request(built: Runtime, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    assert main([*PERIOD, "--output", str(target), "--name-organisations"]) == 0
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "Org A" in page


def test_markdown_to_the_screen(built: Runtime, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main([*PERIOD, "--format", "md", "--community", programme.TEAM]) == 0
    out = capsysbinary.readouterr()
    assert out.out.decode("utf-8").startswith("# Bridges: programme evaluation")
    assert b"Exported the programme report" in out.err


@pytest.mark.parametrize(
    ("argv", "sentence"),
    [
        (["report", "--from", "2026-13-01", "--to", "2026-03-31"], "isn't a date"),
        (["report", "--from", "2026-01-01", "--to", "soon"], "isn't a date"),
        (["report", "--from", "2026-04-01", "--to", "2026-03-31"], "is after --to"),
        (["report", "--from", "2026-01-01", "--to", "9999-12-31"], "from 2000 to 2100"),
        ([*PERIOD, "--community", "TNOBODY"], "There's no community TNOBODY"),
    ],
)
def test_bad_input_gets_a_sentence_and_changes_nothing(
    built: Runtime, argv: list[str], sentence: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = table_counts(built)
    assert exit_code(lambda: main(argv)) == 1
    err = capsys.readouterr().err
    assert sentence in err
    assert "Traceback" not in err
    assert table_counts(built) == before


def test_an_unknown_format_is_refused_by_the_parser(
    built: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    assert exit_code(lambda: main([*PERIOD, "--format", "docx"])) == 2
    assert "invalid choice" in capsys.readouterr().err
