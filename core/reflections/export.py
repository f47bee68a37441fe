"""Reflections for the facilitators' evaluation report, as CSV or Markdown.

Only reflections their authors shared (in the thread, or with facilitators) are exported;
private ones never are: the query itself excludes them, so no caller can ask for them.
Names come from the members table, so an erased member's rows are already gone (cascade).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import UserError
from core.i18n import N_, _, t
from core.labels import shown
from core.models import Community, Member
from core.sessions.models import CommunitySession, Prompt, Reflection, Visibility

EXPORTED = (Visibility.SHARED.value, Visibility.FACILITATORS.value)
# Machine keys (a spreadsheet's columns, the `visibility` codes): never translated. The
# Markdown report is for people, and is written in the language of whoever asked for it.
CSV_HEADER = (
    "session_number",
    "session_title",
    "prompt",
    "member",
    "visibility",
    "written_at",
    "reflection",
)
SHOWN = {
    # Translators: who can read a reflection (shared in the thread).
    Visibility.SHARED.value: N_("shared"),
    # Translators: who can read a reflection.
    Visibility.FACILITATORS.value: N_("facilitators only"),
}
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel reads a CSV as UTF-8 (Arabic, Persian, Tigrinya names...) only with this mark.
BYTE_ORDER_MARK = "\ufeff"


class ExportFormat(StrEnum):
    CSV = "csv"
    MARKDOWN = "md"


@dataclass(frozen=True)
class ExportRow:
    session_number: int | None
    session_title: str
    prompt_id: int
    prompt: str
    prompt_posted_at: datetime
    member: str
    visibility: str
    written_at: datetime  # in the community's timezone
    reflection: str


def reflection_rows(
    session: Session, community: Community, session_number: int | None = None
) -> list[ExportRow]:
    """Shared and facilitators-only reflections, prompt by prompt, oldest first."""
    query = (
        select(Reflection, Prompt, Member, CommunitySession)
        .join(Prompt, Prompt.id == Reflection.prompt_id)
        .join(Member, Member.id == Reflection.member_id)
        .outerjoin(CommunitySession, CommunitySession.id == Prompt.session_id)
        .where(Reflection.community_id == community.id, Reflection.visibility.in_(EXPORTED))
        .order_by(Prompt.post_at, Prompt.id, Reflection.created_at, Reflection.id)
    )
    if session_number is not None:
        found = session.scalar(
            select(CommunitySession.id).where(
                CommunitySession.community_id == community.id,
                CommunitySession.number == session_number,
            )
        )
        if found is None:
            raise UserError(
                t(
                    "There's no session {number}. Leave the number out to export every "
                    "session's reflections.",
                    number=session_number,
                )
            )
        query = query.where(Prompt.session_id == found)
    zone = ZoneInfo(community.timezone)
    return [
        ExportRow(
            session_number=cs.number if cs is not None else None,
            session_title=cs.title if cs is not None else "",
            prompt_id=prompt.id,
            prompt=prompt.text,
            prompt_posted_at=prompt.post_at.astimezone(zone),
            member=member.display_name,
            visibility=reflection.visibility,
            written_at=reflection.created_at.astimezone(zone),
            reflection=reflection.body,
        )
        for reflection, prompt, member, cs in session.execute(query).all()
    ]


def safe_cell(value: str) -> str:
    """Make a cell inert in spreadsheets: a leading quote stops formulas from running."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def to_csv(rows: Sequence[ExportRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow(
            [
                "" if row.session_number is None else str(row.session_number),
                safe_cell(row.session_title),
                safe_cell(row.prompt),
                safe_cell(row.member),
                row.visibility,
                row.written_at.isoformat(timespec="seconds"),
                safe_cell(row.reflection),
            ]
        )
    return buffer.getvalue()


def _md(value: str) -> str:
    # The report may be pasted into a renderer that allows raw HTML; member text stays text.
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _quoted(value: str) -> list[str]:
    return [f"> {_md(line)}".rstrip() for line in value.splitlines() or [""]]


def _when(instant: datetime) -> str:
    return f"{instant:%Y-%m-%d %H:%M}"


def to_markdown(rows: Sequence[ExportRow], community: Community, exported_at: datetime) -> str:
    """A readable report: one section per prompt, each reflection under its author's name."""
    zone = ZoneInfo(community.timezone)
    lines = [
        # Translators: the heading of a Markdown file (keep the "# ").
        _("# Reflections for the evaluation report"),
        "",
        t(
            "{community}: exported {when} ({timezone}). Reflections shared in the thread or "
            "with facilitators; private reflections are never exported.",
            community=_md(community.name or "Catalyst"),
            when=_when(exported_at.astimezone(zone)),
            timezone=community.timezone,
        ),
    ]
    if not rows:
        lines += ["", _("_No shared reflections yet._")]
    current: int | None = None
    for row in rows:
        if row.prompt_id != current:
            current = row.prompt_id
            heading = (
                t(
                    "Session {number}: {title}",
                    number=row.session_number,
                    title=_md(row.session_title),
                )
                if row.session_number is not None
                else _("A stand-alone question")
            )
            lines += [
                "",
                f"## {heading}",
                "",
                t("Asked {when}:", when=_when(row.prompt_posted_at)),
                "",
                *_quoted(row.prompt),
            ]
        who_reads = shown(SHOWN, row.visibility)
        lines += [
            "",
            f"**{_md(row.member)}** · {who_reads} · {_when(row.written_at)}",
            "",
            *_quoted(row.reflection),
        ]
    return "\n".join(lines) + "\n"


def render(
    rows: Sequence[ExportRow], fmt: ExportFormat, community: Community, exported_at: datetime
) -> str:
    if fmt is ExportFormat.CSV:
        return BYTE_ORDER_MARK + to_csv(rows)
    return to_markdown(rows, community, exported_at)


def filename(fmt: ExportFormat, session_number: int | None) -> str:
    scope = f"-session-{session_number}" if session_number is not None else ""
    return f"catalyst-reflections{scope}.{fmt.value}"
