"""Building the report for a community and a period: gather, put in words in the
community's language, render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy.orm import Session

from core import i18n
from core.errors import UserError
from core.evaluation import data, render
from core.evaluation import report as words
from core.i18n import t
from core.models import Community
from core.polls import summary

# Sections after the gathered ones: each reads its own tables for the period and returns a
# Section in the current language, or None to leave itself out (a period with no poll has
# no Polls heading). Nothing else changes to add one.
SectionSource = Callable[[Session, Community, data.Period], words.Section | None]


def _polls(session: Session, community: Community, covered: data.Period) -> words.Section | None:
    return words.polls(summary.poll_results(session, community, covered.starts_at, covered.ends_at))


def _survey(session: Session, community: Community, covered: data.Period) -> words.Section | None:
    return words.survey(
        summary.survey_results(session, community, covered.starts_at, covered.ends_at)
    )


MORE_SECTIONS: list[SectionSource] = [_polls, _survey]


EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
LONGEST_YEARS = 10  # a programme report; more is a typo, and would be charts without end


def period(
    community: Community, first_day: date, last_day: date, made_at: datetime | None = None
) -> data.Period:
    if not (EARLIEST <= first_day <= LATEST and EARLIEST <= last_day <= LATEST):
        raise UserError(
            t(
                "A report covers days from 2000 to 2100: {first} to {last} is outside that. "
                "Check the years.",
                first=first_day.isoformat(),
                last=last_day.isoformat(),
            )
        )
    if last_day >= first_day and (last_day - first_day).days > 366 * LONGEST_YEARS:
        raise UserError(
            t(
                "A report covers at most {years} years: {first} to {last} is longer. Give a "
                "later start or an earlier end.",
                years=LONGEST_YEARS,
                first=first_day.isoformat(),
                last=last_day.isoformat(),
            )
        )
    if last_day < first_day:
        raise UserError(
            t(
                "The report's start, {first}, is after its end, {last}. Give the earlier date "
                "first.",
                first=first_day.isoformat(),
                last=last_day.isoformat(),
            )
        )
    return data.Period(first_day, last_day, community.timezone, made_at)


def build(
    session: Session,
    community: Community,
    first_day: date,
    last_day: date,
    *,
    name_organisations: bool = False,
    made_at: datetime | None = None,
) -> words.Report:
    covered = period(community, first_day, last_day, made_at)
    gathered = data.gather(session, community, covered, name_organisations=name_organisations)
    built = words.build(gathered)
    for source in MORE_SECTIONS:
        section = source(session, community, covered)
        if section is not None:
            built.sections.append(section)
    return built


def document(
    session: Session,
    community: Community,
    first_day: date,
    last_day: date,
    fmt: str,
    *,
    name_organisations: bool = False,
    made_at: datetime | None = None,
) -> bytes:
    """The report in the community's language (funders read it there), as bytes.
    `made_at`: now; sessions after it are left out (not held yet)."""
    with i18n.speaking(community.language):
        built = build(
            session,
            community,
            first_day,
            last_day,
            name_organisations=name_organisations,
            made_at=made_at,
        )
        return render.render(built, fmt)


def filename(first_day: date, last_day: date, fmt: str) -> str:
    return f"programme-report-{first_day.isoformat()}-{last_day.isoformat()}.{fmt}"
