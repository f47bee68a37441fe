"""The evaluation export: what is in it (never private reflections), CSV safety, Markdown."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from bot.wiring import Runtime
from core import communities, privacy
from core.db import unit_of_work
from core.errors import UserError
from core.membership import service as membership
from core.models import Community
from core.reflections import export as export
from core.reflections import service as reflections
from tests.reflection_helpers import NOW, add_member, add_prompt, add_session


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with unit_of_work(runtime.session_factory) as session:
        yield session


@pytest.fixture
def community(session: Session) -> Community:
    community = communities.get_or_create(session, "slack", "T0001", timezone="Asia/Amman", now=NOW)
    community.name = "Migration Leaders CoP"
    return community


@pytest.fixture
def filled(session: Session, community: Community) -> Community:
    """Two sessions' prompts and a stand-alone one, with reflections of every visibility."""
    amina = add_member(session, community, "U0AMINA")
    sam = add_member(session, community, "U0SAM", display_name="Sam Okafor")
    first = add_prompt(
        session, community, cs=add_session(session, community, 1, "Anti-racism"), ts="1.1"
    )
    second = add_prompt(
        session,
        community,
        text="Who holds power in your team?",
        cs=add_session(session, community, 2, "Power"),
        ts="1.2",
        post_at=NOW - timedelta(hours=1),
    )
    alone = add_prompt(session, community, text="A stand-alone one", ts="1.3", post_at=NOW)
    write = reflections.add_from_form
    write(session, amina, first, "Amina shared", "shared", NOW)
    write(session, sam, first, "Sam to facilitators", "facilitators", NOW + timedelta(minutes=1))
    write(session, amina, first, "Amina PRIVATE", "private", NOW)
    write(session, sam, second, "Sam shared on power", "shared", NOW)
    write(session, sam, second, "Sam PRIVATE", "private", NOW)
    write(session, amina, alone, "Amina alone", "shared", NOW)
    return community


def test_only_shared_and_facilitator_reflections_are_exported(
    session: Session, filled: Community
) -> None:
    rows = export.reflection_rows(session, filled)
    assert [(r.session_number, r.member, r.visibility, r.reflection) for r in rows] == [
        (1, "Amina Yusuf", "shared", "Amina shared"),
        (1, "Sam Okafor", "facilitators", "Sam to facilitators"),
        (2, "Sam Okafor", "shared", "Sam shared on power"),
        (None, "Amina Yusuf", "shared", "Amina alone"),
    ]


def test_private_reflections_are_in_no_format(session: Session, filled: Community) -> None:
    rows = export.reflection_rows(session, filled)
    for fmt in export.ExportFormat:
        content = export.render(rows, fmt, filled, NOW)
        assert "PRIVATE" not in content
        assert "Amina shared" in content


def test_one_sessions_reflections(session: Session, filled: Community) -> None:
    rows = export.reflection_rows(session, filled, 2)
    assert [r.reflection for r in rows] == ["Sam shared on power"]
    with pytest.raises(UserError, match="no session 9"):
        export.reflection_rows(session, filled, 9)


def test_csv_columns_and_times_in_the_community_timezone(
    session: Session, filled: Community
) -> None:
    content = export.to_csv(export.reflection_rows(session, filled))
    rows = list(csv.reader(io.StringIO(content)))
    assert tuple(rows[0]) == export.CSV_HEADER
    assert rows[1] == [
        "1",
        "Anti-racism",
        "What will you carry into your work this month?",
        "Amina Yusuf",
        "shared",
        "2026-11-23T12:30:00+03:00",  # 09:30 UTC in Amman
        "Amina shared",
    ]
    assert rows[4][:2] == ["", ""]  # a stand-alone prompt has no session


def test_the_csv_file_starts_with_a_byte_order_mark_for_spreadsheets(
    session: Session, filled: Community
) -> None:
    rows = export.reflection_rows(session, filled)
    assert export.render(rows, export.ExportFormat.CSV, filled, NOW).startswith("\ufeff")


@pytest.mark.parametrize(
    ("written", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2 for the budget", "'-2 for the budget"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=cmd", "'\t=cmd"),
        ("fine = fine", "fine = fine"),
    ],
)
def test_csv_cells_cannot_run_as_formulas(written: str, cell: str) -> None:
    assert export.safe_cell(written) == cell


def test_names_and_prompts_are_guarded_too(session: Session, community: Community) -> None:
    member = add_member(session, community, "U0AMINA", display_name="=cmd|' /C calc'!A0")
    prompt = add_prompt(session, community, text="@here what now?")
    reflections.add_from_form(session, member, prompt, "+fine", "shared", NOW)
    [row] = list(
        csv.DictReader(io.StringIO(export.to_csv(export.reflection_rows(session, community))))
    )
    assert row["member"].startswith("'=")
    assert row["prompt"] == "'@here what now?"
    assert row["reflection"] == "'+fine"


def test_markdown_is_grouped_by_prompt(session: Session, filled: Community) -> None:
    content = export.to_markdown(export.reflection_rows(session, filled), filled, NOW)
    assert content.startswith("# Reflections for the evaluation report")
    assert "Migration Leaders CoP: exported 2026-11-23 12:30 (Asia/Amman)" in content
    first = content.index("## Session 1: Anti-racism")
    second = content.index("## Session 2: Power")
    alone = content.index("## A stand-alone question")
    assert first < content.index("Amina shared") < content.index("Sam to facilitators") < second
    assert second < content.index("Sam shared on power") < alone < content.index("Amina alone")
    assert "> Who holds power in your team?" in content
    assert "**Sam Okafor** · facilitators only · 2026-11-23 12:31" in content
    assert content.count("## ") == 3


def test_markdown_keeps_member_text_as_text(session: Session, community: Community) -> None:
    member = add_member(session, community, "U0AMINA", display_name="<b>Amina</b>")
    prompt = add_prompt(session, community)
    reflections.add_from_form(
        session, member, prompt, "line one\n<script>x</script>\n# not a heading", "shared", NOW
    )
    content = export.to_markdown(export.reflection_rows(session, community), community, NOW)
    assert "<script>" not in content
    assert "<b>" not in content
    assert "> line one\n> &lt;script&gt;x&lt;/script&gt;\n> # not a heading" in content


def test_nothing_to_export(session: Session, community: Community) -> None:
    assert export.reflection_rows(session, community) == []
    assert "_No shared reflections yet._" in export.to_markdown([], community, NOW)
    assert export.to_csv([]).strip() == ",".join(export.CSV_HEADER)


def test_left_members_stay_and_erased_members_are_gone(session: Session, filled: Community) -> None:
    amina = membership.find(session, filled, "U0AMINA")
    sam = membership.find(session, filled, "U0SAM")
    assert amina is not None
    assert sam is not None
    membership.leave(session, sam, NOW)
    privacy.forget(session, amina, NOW)
    rows = export.reflection_rows(session, filled)
    assert {r.member for r in rows} == {"Sam Okafor"}
    assert len(rows) == 2


def test_another_communitys_reflections_are_not_exported(
    session: Session, filled: Community
) -> None:
    other = communities.get_or_create(session, "slack", "T0OTHER", timezone="UTC", now=NOW)
    assert export.reflection_rows(session, other) == []


def test_filenames() -> None:
    assert export.filename(export.ExportFormat.CSV, None) == "catalyst-reflections.csv"
    assert export.filename(export.ExportFormat.MARKDOWN, 4) == "catalyst-reflections-session-4.md"
