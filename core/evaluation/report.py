"""The programme evaluation report in words: a list of sections, each with its paragraphs,
charts (each with its data as a table, for screen readers) and tables. Built in the
language of whoever reads it (`i18n.speaking(community.language)` around `build`).

Polls and the end-of-programme survey come last, from `core.polls.summary`, and only when
the period had any (`service.build`). To add a section, write a function that reads its own
tables for the period and returns a `Section`, and list it in `service.MORE_SECTIONS`; or,
for a figure gathered in `data.py`, add it to the list in `build`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from core import i18n
from core.evaluation.data import ProgrammeData
from core.i18n import _, t, tn
from core.polls.summary import PollResult, SurveyResult


@dataclass(frozen=True)
class Table:
    caption: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True)
class Chart:
    """A bar chart: categories along the bottom, one or more series of values."""

    title: str
    categories: Sequence[str]
    series: Sequence[tuple[str, Sequence[float]]]
    value_label: str
    # How each value reads in the alt table ("42%", "7").
    shown: Sequence[Sequence[str]] = ()

    def table(self) -> Table:
        """The chart's data as a table, the same numbers a sighted reader sees."""
        shown = self.shown or [[i18n.number(v) for v in values] for _n, values in self.series]
        rows = [
            [category, *(column[i] for column in shown)]
            for i, category in enumerate(self.categories)
        ]
        return Table(
            caption=t("Data for the chart: {title}", title=self.title),
            headers=["", *(name for name, _v in self.series)],
            rows=rows,
        )


@dataclass(frozen=True)
class Section:
    key: str  # untranslated: a stable anchor (html id), never shown
    title: str
    paragraphs: Sequence[str] = ()
    charts: Sequence[Chart] = ()
    tables: Sequence[Table] = ()


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str
    sections: list[Section] = field(default_factory=list)


def _share(part: int, whole: int) -> str:
    return i18n.percent(part / whole) if whole else i18n.percent(0)


def attendance(data: ProgrammeData) -> Section:
    sessions = data.sessions
    if not sessions:
        return Section("attendance", _("Attendance"), [_("There were no sessions in this period.")])
    ticked = [s for s in sessions if s.came is not None]
    paragraphs = [
        tn(
            "{n} session took place in this period.",
            "{n} sessions took place in this period.",
            len(sessions),
        ),
        _(
            "Going and apologies are what members answered before each session. Came is who "
            "was there: a facilitator's tick after the session, or the member's own answer "
            "when no facilitator ticked them."
        ),
    ]
    if ticked:
        came = sum(s.came or 0 for s in ticked)
        going = sum(s.going for s in ticked)
        paragraphs.append(
            t(
                "Across the sessions with attendance recorded, {came} places were taken for "
                "{going} people who said they were going ({share}).",
                came=i18n.number(came),
                going=i18n.number(going),
                share=_share(came, going),
            )
        )
    else:
        paragraphs.append(_("Nobody recorded who came to these sessions."))
    labels = [t("Session {number}", number=s.number) for s in sessions]
    chart = Chart(
        title=_("Going, came and apologies per session"),
        categories=labels,
        series=[
            (_("Going"), [s.going for s in sessions]),
            (_("Came"), [s.came or 0 for s in sessions]),
            (_("Apologies"), [s.apologies for s in sessions]),
        ],
        value_label=_("People"),
        shown=[
            [i18n.number(s.going) for s in sessions],
            [i18n.number(s.came) if s.came is not None else _("not recorded") for s in sessions],
            [i18n.number(s.apologies) for s in sessions],
        ],
    )
    table = Table(
        caption=_("Sessions"),
        headers=[_("Session"), _("Date"), _("Theme"), _("Going"), _("Came"), _("Apologies")],
        rows=[
            [
                t("{number}. {title}", number=s.number, title=s.title),
                i18n.day_month_year(s.starts_at.astimezone(data.period.starts_at.tzinfo)),
                _(s.theme) if s.theme else "",
                i18n.number(s.going),
                i18n.number(s.came) if s.came is not None else _("not recorded"),
                i18n.number(s.apologies),
            ]
            for s in sessions
        ],
    )
    return Section("attendance", _("Attendance"), paragraphs, [chart], [table])


def retention(data: ProgrammeData) -> Section:
    months = data.months
    paragraphs = [
        _(
            "A member counts as active in a month when they did at least one thing: answered "
            "a session invitation, came to a session, wrote a reflection, took part in an "
            "action learning set, or used Catalyst in any other way (a command, a button, a "
            "form). For that last kind only the most recent time is kept, so it counts for "
            "one month. Members are everyone who had joined by the month's end and had not "
            "left before it began. People who erased their data are not counted."
        )
    ]
    if months and months[0].members:
        paragraphs.append(
            t(
                "In the first month {first} of members were active; in the last, {last}.",
                first=i18n.percent(months[0].share),
                last=i18n.percent(months[-1].share),
            )
        )
    chart = Chart(
        title=_("Members active per month"),
        categories=[i18n.month_year(m.month) for m in months],
        series=[
            (_("Active members"), [m.active for m in months]),
            (_("Members"), [m.members for m in months]),
        ],
        value_label=_("People"),
        shown=[
            [
                t("{n} ({share})", n=i18n.number(m.active), share=i18n.percent(m.share))
                for m in months
            ],
            [i18n.number(m.members) for m in months],
        ],
    )
    return Section("retention", _("Retention"), paragraphs, [chart])


def peer_coaching(data: ProgrammeData) -> Section:
    figures = data.peer_coaching
    if not figures.pairs:
        return Section(
            "peer-coaching",
            _("Peer coaching"),
            [_("No peer-coaching pairs were made in this period.")],
        )
    paragraphs = [
        tn(
            "{n} round of peer coaching introduced {pairs} pairs.",
            "{n} rounds of peer coaching introduced {pairs} pairs.",
            figures.rounds,
            pairs=i18n.number(figures.pairs),
        ),
        t(
            "{share} of pairs said they met ({met} of {pairs}); {answered} answered the check-in.",
            share=_share(figures.met, figures.pairs),
            met=i18n.number(figures.met),
            pairs=i18n.number(figures.pairs),
            answered=i18n.number(figures.answered),
        ),
        t(
            "{share} of pairs brought together people from different organisations.",
            share=_share(figures.cross_organisation, figures.pairs),
        ),
    ]
    table = Table(
        caption=_("Peer coaching"),
        headers=[_("Measure"), _("Number"), _("Share of pairs")],
        rows=[
            [_("Pairs introduced"), i18n.number(figures.pairs), i18n.percent(1)],
            [_("Pairs that met"), i18n.number(figures.met), _share(figures.met, figures.pairs)],
            [
                _("Pairs across organisations"),
                i18n.number(figures.cross_organisation),
                _share(figures.cross_organisation, figures.pairs),
            ],
        ],
    )
    return Section("peer-coaching", _("Peer coaching"), paragraphs, tables=[table])


def action_learning(data: ProgrammeData) -> Section:
    figures = data.action_learning
    if not figures.sets:
        return Section(
            "action-learning",
            _("Action learning"),
            [_("No action learning set met in this period.")],
        )
    paragraphs = [
        tn(
            "{n} action learning set with {members} members had {planned} meetings planned; "
            "{held} were held.",
            "{n} action learning sets with {members} members had {planned} meetings planned; "
            "{held} were held.",
            figures.sets,
            members=i18n.number(figures.members),
            planned=i18n.number(figures.meetings_planned),
            held=i18n.number(figures.meetings_held),
        ),
        t(
            "Presenters took away {actions} actions; {reported} were reported back at the next "
            "meeting (done, or carried on) ({share}).",
            actions=i18n.number(figures.actions),
            reported=i18n.number(figures.actions_reported),
            share=_share(figures.actions_reported, figures.actions),
        ),
    ]
    table = Table(
        caption=_("Action learning"),
        headers=[_("Measure"), _("Number")],
        rows=[
            [_("Sets"), i18n.number(figures.sets)],
            [_("Meetings planned"), i18n.number(figures.meetings_planned)],
            [_("Meetings held"), i18n.number(figures.meetings_held)],
            [_("Apologies for meetings"), i18n.number(figures.apologies)],
            [_("Actions taken away"), i18n.number(figures.actions)],
            [_("Actions reported back"), i18n.number(figures.actions_reported)],
        ],
    )
    return Section("action-learning", _("Action learning"), paragraphs, tables=[table])


def reflections(data: ProgrammeData) -> Section:
    figures = data.reflections
    paragraphs = [
        tn(
            "{n} reflection was written in this period, by {authors} members.",
            "{n} reflections were written in this period, by {authors} members.",
            figures.total,
            authors=i18n.number(figures.authors),
        ),
        _("Quotes appear only where their author agreed to be quoted; nobody is named."),
    ]
    charts: list[Chart] = []
    sessions = data.sessions
    if sessions:
        charts.append(
            Chart(
                title=_("Reflections per session"),
                categories=[t("Session {number}", number=s.number) for s in sessions],
                series=[(_("Reflections"), [s.reflections for s in sessions])],
                value_label=_("Reflections"),
            )
        )
    if figures.by_theme:
        charts.append(
            Chart(
                title=_("Reflections per theme"),
                categories=[_(theme) if theme else _("No theme") for theme, _n in figures.by_theme],
                series=[(_("Reflections"), [n for _theme, n in figures.by_theme])],
                value_label=_("Reflections"),
            )
        )
    tables = []
    if figures.quotes:
        tables.append(
            Table(
                caption=_("In members' words"),
                headers=[_("Quote"), _("Theme"), _("Date")],
                rows=[
                    [
                        quote.body,
                        _(quote.theme) if quote.theme else "",
                        i18n.day_month_year(quote.at.astimezone(data.period.starts_at.tzinfo)),
                    ]
                    for quote in figures.quotes
                ],
            )
        )
    return Section("reflections", _("Reflections"), paragraphs, charts, tables)


def library(data: ProgrammeData) -> Section:
    figures = data.library
    paragraphs = [
        tn(
            "Members searched the library {n} time; {found} searches found something.",
            "Members searched the library {n} times; {found} searches found something.",
            figures.searches,
            found=i18n.number(figures.searches_found),
        ),
        tn(
            "{n} resource was added, and members marked resources helpful {votes} times.",
            "{n} resources were added, and members marked resources helpful {votes} times.",
            figures.added,
            votes=i18n.number(figures.helpful_votes),
        ),
    ]
    tables = []
    if figures.top:
        tables.append(
            Table(
                caption=_("Most helpful resources"),
                headers=[_("Resource"), _("Marked helpful")],
                rows=[[title, i18n.number(n)] for title, n in figures.top],
            )
        )
    return Section("library", _("Library"), paragraphs, tables=tables)


def membership(data: ProgrammeData) -> Section:
    figures = data.membership
    paragraphs = [
        t(
            "At the end of the period the community had {members} members from {organisations} "
            "organisations.",
            members=i18n.number(figures.members_at_end),
            organisations=i18n.number(figures.organisations_at_end),
        ),
        t(
            "During the period {joined} people joined and {left} left; {erased} asked for their "
            "data to be erased and are counted here only as numbers.",
            joined=i18n.number(figures.joined),
            left=i18n.number(figures.left),
            erased=i18n.number(figures.erased),
        ),
    ]
    tables = []
    if figures.organisation_names:
        tables.append(
            Table(
                caption=_("Organisations"),
                headers=[_("Organisation"), _("Members")],
                rows=[[name, i18n.number(n)] for name, n in figures.organisation_names],
            )
        )
    else:
        paragraphs.append(_("Organisations are counted, not named."))
    return Section("membership", _("Membership"), paragraphs, tables=tables)


def build(data: ProgrammeData) -> Report:
    period = t(
        "{first} to {last}",
        first=i18n.day_month_year(data.period.starts_at),
        last=i18n.day_month_year(data.period.ends_at - timedelta(hours=12)),
    )
    return Report(
        title=t(
            "{community}: programme evaluation", community=data.community_name or _("Our community")
        ),
        subtitle=period,
        sections=[
            membership(data),
            attendance(data),
            retention(data),
            peer_coaching(data),
            action_learning(data),
            reflections(data),
            library(data),
        ],
    )


def polls(results: Sequence[PollResult]) -> Section | None:
    """Each poll's question and its counts; never who voted, even for a named poll."""
    if not results:
        return None
    paragraphs = [
        tn(
            "{n} poll was sent to members in this period.",
            "{n} polls were sent to members in this period.",
            len(results),
        )
    ]
    tables = []
    for result in results:
        voted = tn("{n} person voted", "{n} people voted", result.voters)
        caption = (
            t("{question} ({voted})", question=result.question, voted=voted)
            if result.closed
            else t("{question} ({voted}; still open)", question=result.question, voted=voted)
        )
        tables.append(
            Table(
                caption=caption,
                headers=[_("Option"), _("Votes"), _("Share of votes")],
                rows=[
                    [
                        option.text,
                        i18n.number(option.votes),
                        _share(option.votes, sum(o.votes for o in result.options)),
                    ]
                    for option in result.options
                ],
            )
        )
    return Section("polls", _("Polls"), paragraphs, tables=tables)


def survey(result: SurveyResult) -> Section | None:
    """The end-of-programme survey: how many answered, the scales, then every written
    answer as it was given, without a name."""
    if not result.surveys:
        return None
    paragraphs = [
        tn(
            "The survey was sent to {n} person; {answered} answered.",
            "The survey was sent to {n} people; {answered} answered.",
            result.sent_to,
            answered=i18n.number(result.responses),
        ),
        _("Answers are shown without names."),
    ]
    tables = []
    if any(scale.answers for scale in result.scales):
        tables.append(
            Table(
                caption=_("Answers on a scale from 1 to 5"),
                headers=[_("Question"), _("Answers"), _("Average"), "1", "2", "3", "4", "5"],
                rows=[
                    [
                        _(scale.label),
                        i18n.number(scale.answers),
                        i18n.number(scale.mean) if scale.mean is not None else "–",
                        *(i18n.number(count) for count in scale.counts),
                    ]
                    for scale in result.scales
                ],
            )
        )
    for written in result.texts:
        if written.answers:
            tables.append(
                Table(
                    caption=_(written.label),
                    headers=[_("Answer")],
                    rows=[[answer] for answer in written.answers],
                )
            )
    return Section("survey", _("End-of-programme survey"), paragraphs, tables=tables)
