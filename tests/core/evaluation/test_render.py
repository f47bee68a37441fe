"""The report rendered: HTML with every section, each chart an image with alt text followed
by its data table; a PDF read back with pypdf; Markdown; the community's language; and what
is left after forget-me. Both databases."""

from __future__ import annotations

import base64
import io
import re
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.wiring import Runtime
from core import i18n, privacy
from core.db import unit_of_work
from core.evaluation import service as evaluation
from core.evaluation.data import Period
from core.evaluation.report import Chart, Section
from core.models import Community, Member
from core.sessions.models import SessionAttendance
from tests.core.evaluation import programme
from tests.core.evaluation.programme import FIRST_DAY, LAST_DAY, QUOTE, SECRET

SECTIONS = [
    "Membership",
    "Attendance",
    "Retention",
    "Peer coaching",
    "Action learning",
    "Reflections",
    "Library",
]
CHARTS = [
    "Going, came and apologies per session",
    "Members active per month",
    "Reflections per session",
    "Reflections per theme",
]
PNG = b"\x89PNG\r\n\x1a\n"


class Outline(HTMLParser):
    """Headings, and each figure's image and the table right after it."""

    def __init__(self) -> None:
        super().__init__()
        self.h2: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.figures: list[list[str]] = []  # tags inside each figure, in order
        self._in: str | None = None
        self._figure: list[str] | None = None
        self.captions: list[str] = []
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "figure":
            self._figure = []
        if self._figure is not None:
            self._figure.append(tag)
        if tag == "img":
            self.images.append(dict(attrs))
        if tag in {"h2", "figcaption"}:
            self._in, self._text = tag, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure" and self._figure is not None:
            self.figures.append(self._figure)
            self._figure = None
        if tag == self._in:
            (self.h2 if tag == "h2" else self.captions).append(self._text)
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text += data


def document(runtime: Runtime, fmt: str, language: str = "en", **options: bool) -> bytes:
    with unit_of_work(runtime.session_factory) as session:
        built = programme.build(session, language=language)
        community = session.get(Community, built.community_id)
        assert community is not None
        return evaluation.document(session, community, FIRST_DAY, LAST_DAY, fmt, **options)


def test_html_has_every_section_and_each_chart_with_alt_text_and_its_table(
    runtime: Runtime,
) -> None:
    page = document(runtime, "html").decode("utf-8")
    outline = Outline()
    outline.feed(page)
    assert outline.h2 == SECTIONS
    assert outline.captions == CHARTS
    assert len(outline.images) == len(CHARTS)
    for image in outline.images:
        assert image["alt"], "every chart has alt text"
        src = image["src"] or ""
        assert src.startswith("data:image/png;base64,")  # self-contained: nothing fetched
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG)
    for figure in outline.figures:
        # The image, then its data as a table, inside the same figure.
        assert figure.index("table") > figure.index("img")
    assert "http://" not in page
    assert "https://" not in page.replace("https://example.org", "")
    assert "@media print" in page
    assert QUOTE in page
    assert SECRET not in page
    assert "Farah" not in page  # no names of people or organisations
    assert "Org A" not in page


def test_the_attendance_table_gives_the_exact_figures(runtime: Runtime) -> None:
    page = document(runtime, "md").decode("utf-8")
    assert "| Session 1 | 3 | 3 | 1 |" in page
    assert "| Session 2 | 2 | 1 | 2 |" in page
    assert "| Session 3 | 1 | not recorded | 0 |" in page
    assert "4 places were taken for 5 people who said they were going (80%)" in page
    assert "| Jan 2026 | 5 (100%) | 5 |" in page
    assert "| Mar 2026 | 2 (50%) | 4 |" in page
    assert "33% of pairs said they met (1 of 3)" in page
    assert "67% of pairs brought together people from different organisations." in page


def test_organisations_are_named_only_when_asked(runtime: Runtime) -> None:
    page = document(runtime, "md", name_organisations=True).decode("utf-8")
    assert "| Org A | 3 |" in page
    assert "| Org C | 1 |" in page
    assert "Organisations are counted, not named." not in page


def test_pdf_reads_back_with_every_section_and_its_charts(runtime: Runtime) -> None:
    pdf = document(runtime, "pdf")
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", " ", text)
    for title in [*SECTIONS, *CHARTS]:
        assert title in flat
    assert "Data for the chart: Members active per month" in flat
    images = sum(len(page.images) for page in reader.pages)
    assert images == len(CHARTS)
    assert [entry.title for entry in reader.outline] == SECTIONS  # type: ignore[union-attr]


def test_the_report_is_in_the_communitys_language(runtime: Runtime) -> None:
    page = document(runtime, "md", language="fr").decode("utf-8")
    with i18n.speaking("fr"):
        assert i18n.month_year(programme.at(1, 1)) in page  # "janv. 2026"
        assert "80 %" in page  # French writes a space before the sign


def test_after_forget_me_only_counts_remain(runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        built = programme.build(session)
        community = session.get(Community, built.community_id)
        assert community is not None
        amina = session.get(Member, built.members["Amina"])
        assert amina is not None
        privacy.forget(session, amina, programme.at(4, 1))
        page = evaluation.document(session, community, FIRST_DAY, LAST_DAY, "md").decode()
    assert QUOTE not in page  # her words went with her
    # Her tick stays as an anonymous count (came 3); her RSVP went with her (going 2).
    assert "| Session 1 | 2 | 3 | 1 |" in page
    with unit_of_work(runtime.session_factory) as session:
        rows = session.scalars(select(SessionAttendance.member_id)).all()
    assert None in rows
    assert built.members["Amina"] not in rows


def test_a_section_added_later_is_rendered_like_the_others(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    def polls(_session: object, _community: object, period: Period) -> Section:
        chart = Chart("Theme vote", ["Governance", "Wellbeing"], [("Votes", [7, 4])], "Votes")
        return Section("polls", "Polls", [f"From {period.first_day}."], [chart])

    monkeypatch.setattr(evaluation, "MORE_SECTIONS", [polls])
    page = document(runtime, "html").decode("utf-8")
    outline = Outline()
    outline.feed(page)
    assert outline.h2 == [*SECTIONS, "Polls"]
    assert outline.captions == [*CHARTS, "Theme vote"]
    assert "From 2026-01-01." in page


def test_an_arabic_community_gets_a_right_to_left_report(runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        built = programme.build(session, language="ar")
        community = session.get(Community, built.community_id)
        assert community is not None
        page = evaluation.document(session, community, FIRST_DAY, LAST_DAY, "html").decode()
        pdf = evaluation.document(session, community, FIRST_DAY, LAST_DAY, "pdf")
    assert '<html lang="ar" dir="rtl">' in page
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    assert sum(len(p.images) for p in reader.pages) == len(CHARTS)
