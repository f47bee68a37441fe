"""`catalyst import resources` / `catalyst export resources`: bad rows named, good rows kept."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.cli import main
from bot.wiring import build_runtime
from core.clock import SystemClock
from tests.cli.test_cli import clean_environment  # noqa: F401 (autouse fixture)
from tests.conftest import make_settings, table_counts
from tests.scheduler.conftest import add_member

CSV = "\n".join(
    [
        "title,url,format,themes,language,description",
        "Leading with lived experience,https://example.org/lived,reading,"
        "Lived experience leadership,en,A short guide.",
        "Not a link,notaurl,reading,,en,Broken.",
        "Le pouvoir et la position,https://example.fr/pouvoir,listening,"
        "Power and positionality,fr,Un podcast.",
        "",
    ]
)


def test_import_reports_bad_lines_and_export_round_trips(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    runtime = build_runtime(make_settings(database_url), clock=SystemClock())
    add_member(runtime, "U0A")
    monkeypatch.setenv("DATABASE_URL", database_url)
    source = tmp_path / "library.csv"
    source.write_text(CSV, encoding="utf-8")

    assert main(["import", "resources", str(source)]) == 2  # some lines were skipped
    err = capsys.readouterr().err
    assert "line 3:" in err
    assert "Imported 2 resources; 1 line skipped" in err

    before = table_counts(runtime)
    assert main(["import", "resources", str(source)]) == 2  # same URLs again: duplicates
    assert table_counts(runtime)["resources"] == before["resources"]

    target = tmp_path / "out.csv"
    assert main(["export", "resources", "--output", str(target)]) == 0
    rows = list(csv.DictReader(target.open(encoding="utf-8-sig")))
    assert sorted(row["title"] for row in rows) == [
        "Le pouvoir et la position",
        "Leading with lived experience",
    ]
    assert {row["url"] for row in rows} == {
        "https://example.org/lived",
        "https://example.fr/pouvoir",
    }
    runtime.close()


def test_import_of_a_missing_file_says_so(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["import", "resources", "nowhere.csv"]) == 1
    assert "There's no file nowhere.csv" in capsys.readouterr().err
