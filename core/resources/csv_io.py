"""Bulk changes to the library: import every good row of a CSV file (the good rows go in
together, or not at all), and export them all."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.delivery import outbox as outbox
from core.errors import InvalidInput, UserError
from core.i18n import _, t
from core.models import Community
from core.resources.models import (
    Resource,
    ResourceSource,
)
from core.resources.notices import sharer
from core.resources.service import (
    ResourceDetails,
    ResourceDraft,
    check,
    duplicate_sentence,
    find_duplicate,
    insert,
    shared_by_names,
)

# The documented header: column names stay English in every language (files move between
# communities). Import needs title, url and format; the other columns may be left
# out or empty; themes are separated by ";". Export writes every column below.
IMPORT_COLUMNS = ("title", "url", "format", "themes", "language", "description")
EXPORT_COLUMNS = (
    "number",
    *IMPORT_COLUMNS,
    "status",
    "helpful",
    "shared_by",
    "published_at",
)


REQUIRED_COLUMNS = ("title", "url", "format")


@dataclass(frozen=True)
class ImportReport:
    added: int
    problems: list[tuple[int, str]]  # (line number in the file, what to fix)


def import_csv(session: Session, community: Community, content: str, now: datetime) -> ImportReport:
    """Add every good row as a live resource; report bad rows by line number.

    The good rows go in together or not at all (the caller's transaction; a failure part
    way rolls them all back), so a file is never half-imported.
    """
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise UserError(
            t(
                "The first line must be the header {header} (missing: {missing}). "
                "Nothing was imported.",
                header=",".join(IMPORT_COLUMNS),
                missing=", ".join(missing),
            )
        )
    reader.fieldnames = header
    problems: list[tuple[int, str]] = []
    good: list[ResourceDetails] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.append((line, _("This row has more columns than the header.")))
            continue
        values = {k: (v or "") for k, v in row.items() if k}
        if not any(v.strip() for v in values.values()):
            continue  # blank line
        draft = ResourceDraft(
            title=values.get("title"),
            url=values.get("url"),
            format=values.get("format"),
            themes=[t for t in values.get("themes", "").split(";") if t.strip()],
            language=values.get("language"),
            description=values.get("description"),
        )
        try:
            details = check(draft, community)
        except InvalidInput as bad:
            problems.append((line, " ".join(f"{k}: {v}" for k, v in bad.errors.items())))
            continue
        if details.url_key in seen:
            problems.append(
                (line, t("The same link is on line {line}.", line=seen[details.url_key]))
            )
            continue
        existing = find_duplicate(session, community, details.url)
        if existing is not None:
            problems.append((line, duplicate_sentence(existing)))
            continue
        seen[details.url_key] = line
        good.append(details)
    with session.begin_nested():
        for details in good:
            insert(
                session,
                community,
                details,
                now,
                shared_by=None,
                live=True,
                source=ResourceSource.IMPORT,
            )
    return ImportReport(added=len(good), problems=problems)


def export_csv(session: Session, community: Community) -> str:
    """Every resource (live, waiting and retired), under the documented header."""
    rows = list(
        session.scalars(
            select(Resource).where(Resource.community_id == community.id).order_by(Resource.number)
        )
    )
    names = shared_by_names(session, rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for r in rows:
        shared = sharer(r, names) or ""
        writer.writerow(
            [
                r.number,
                safe_cell(r.title),
                r.url,
                r.format,
                safe_cell(";".join(r.themes)),
                r.language,
                safe_cell(r.description or ""),
                r.status,
                r.helpful_count,
                safe_cell(shared),
                r.published_at.isoformat() if r.published_at else "",
            ]
        )
    return out.getvalue()


def safe_cell(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; a quote keeps them text."""
    return "'" + value if value[:1] in {"=", "+", "-", "@"} else value
