"""A realistic small library (tests/fixtures/library.csv) loaded through the CSV import."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from core import communities
from core.models import Community
from core.resources import csv_io as resource_csv
from core.resources import searching as resource_search

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
LIBRARY = Path(__file__).resolve().parent.parent / "fixtures" / "library.csv"


def community(session: Session) -> Community:
    return communities.get_or_create(session, "slack", "T0001", timezone="Europe/London", now=NOW)


def load_library(session: Session, target: Community) -> int:
    report = resource_csv.import_csv(session, target, LIBRARY.read_text(encoding="utf-8"), NOW)
    assert report.problems == []
    return report.added


def titles(result: resource_search.SearchResult) -> list[str]:
    return [r.title for r in result.resources]
