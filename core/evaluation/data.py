"""What happened in a community between two dates, gathered from the real tables as numbers:
the programme evaluation report's facts. No words here (`report.py` writes them) and no
names of people; organisations are counted, and named only when asked.

Erased members (`forget-me`) remain only where a table keeps anonymous rows: membership
events, peer-coaching groups, set meetings and attendance ticks. Their RSVPs, reflections
and activity went with them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Community, Member, MembershipEvent, MembershipEventKind
from core.pairing.models import Outcome, PairingGroup, PairingRound
from core.resources.models import Resource, ResourceSearch, ResourceVote
from core.sessions.models import (
    CommunitySession,
    Prompt,
    Reflection,
    RsvpAnswer,
    SessionAttendance,
    SessionRsvp,
    SessionStatus,
    Visibility,
)
from core.sets.models import (
    ActionStatus,
    LearningSet,
    MeetingStatus,
    SetAction,
    SetApology,
    SetMeeting,
    SetMembership,
)

QUOTES = 6  # consented quotes in the report at most
TOP_RESOURCES = 5


@dataclass(frozen=True)
class Period:
    """Two calendar days, inclusive, read in the community's timezone."""

    first_day: date
    last_day: date
    zone: str
    # When the report is made: sessions after it haven't taken place, whatever the period.
    made_at: datetime | None = None

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first_day, time(0), ZoneInfo(self.zone))

    @property
    def ends_at(self) -> datetime:
        """The instant after the last day (exclusive)."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), ZoneInfo(self.zone))

    def months(self) -> list[date]:
        """The first day of each calendar month the period touches."""
        months: list[date] = []
        month = self.first_day.replace(day=1)
        while month <= self.last_day:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months

    def month_of(self, instant: datetime) -> date:
        return instant.astimezone(ZoneInfo(self.zone)).date().replace(day=1)

    def month_bounds(self, month: date) -> tuple[datetime, datetime]:
        zone = ZoneInfo(self.zone)
        following = (month + timedelta(days=32)).replace(day=1)
        return datetime.combine(month, time(0), zone), datetime.combine(following, time(0), zone)


@dataclass(frozen=True)
class SessionFigures:
    number: int
    title: str
    theme: str | None
    starts_at: datetime
    going: int
    maybe: int
    apologies: int
    # None when nobody recorded attendance for it (no tick list, no member answers).
    came: int | None
    reflections: int


@dataclass(frozen=True)
class MonthFigures:
    month: date
    members: int  # members during the month (joined by its end, not left before it began)
    active: int  # of whom did at least one thing (see `retention`)

    @property
    def share(self) -> float:
        return self.active / self.members if self.members else 0.0


@dataclass(frozen=True)
class PeerCoaching:
    rounds: int
    pairs: int  # groups introduced (pairs, and the occasional three)
    met: int  # groups that said they met
    answered: int  # groups that said anything (met, not yet, couldn't, booked)
    cross_organisation: int  # groups across organisations


@dataclass(frozen=True)
class ActionLearning:
    sets: int  # sets that had a meeting in the period
    members: int  # people in those sets now
    meetings_planned: int  # meetings due in the period (held, not held or still unknown)
    meetings_held: int
    apologies: int
    actions: int  # actions presenters took away
    actions_reported: int  # reported back done, or carried to the next meeting


@dataclass(frozen=True)
class Quote:
    body: str
    theme: str | None
    at: datetime


@dataclass(frozen=True)
class Reflections:
    total: int
    by_theme: list[tuple[str | None, int]]  # None: stand-alone prompts, no session theme
    authors: int
    quotes: list[Quote]


@dataclass(frozen=True)
class Library:
    searches: int
    searches_found: int
    added: int
    helpful_votes: int
    top: list[tuple[str, int]]  # title, helpful votes in the period


@dataclass(frozen=True)
class Membership:
    joined: int  # joined or rejoined in the period (events: anonymous, kept after forget-me)
    left: int
    erased: int
    members_at_end: int
    organisations_at_end: int
    # Filled only when the facilitator asked for names: organisation, members.
    organisation_names: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class ProgrammeData:
    community_name: str
    period: Period
    sessions: list[SessionFigures]
    months: list[MonthFigures]
    peer_coaching: PeerCoaching
    action_learning: ActionLearning
    reflections: Reflections
    library: Library
    membership: Membership


# ---- gathering ------------------------------------------------------------------------------


def _sessions(session: Session, community: Community, period: Period) -> list[CommunitySession]:
    return list(
        session.scalars(
            select(CommunitySession)
            .where(
                CommunitySession.community_id == community.id,
                CommunitySession.status == SessionStatus.SCHEDULED.value,
                CommunitySession.starts_at >= period.starts_at,
                CommunitySession.starts_at < period.ends_at,
                CommunitySession.starts_at <= (period.made_at or period.ends_at),
            )
            .order_by(CommunitySession.starts_at, CommunitySession.number)
        )
    )


def _count_by(rows: Iterable[tuple[object, object]]) -> dict[int, Counter[str]]:
    counted: dict[int, Counter[str]] = defaultdict(Counter)
    for key, value in rows:
        counted[int(str(key))][str(value)] += 1
    return counted


def session_figures(session: Session, sessions: list[CommunitySession]) -> list[SessionFigures]:
    ids = [cs.id for cs in sessions]
    if not ids:
        return []
    answers = _count_by(
        session.execute(
            select(SessionRsvp.session_id, SessionRsvp.answer).where(
                SessionRsvp.session_id.in_(ids)
            )
        )
    )
    ticks = _count_by(
        session.execute(
            select(SessionAttendance.session_id, SessionAttendance.came).where(
                SessionAttendance.session_id.in_(ids)
            )
        )
    )
    reflected = {
        session_id: int(n)
        for session_id, n in session.execute(
            select(Prompt.session_id, func.count(Reflection.id))
            .join(Reflection, Reflection.prompt_id == Prompt.id)
            .where(Prompt.session_id.in_(ids))
            .group_by(Prompt.session_id)
        )
    }
    figures: list[SessionFigures] = []
    for cs in sessions:
        said = answers.get(cs.id, Counter())
        ticked = ticks.get(cs.id)
        figures.append(
            SessionFigures(
                number=cs.number,
                title=cs.title,
                theme=cs.theme,
                starts_at=cs.starts_at,
                going=said[RsvpAnswer.GOING.value],
                maybe=said[RsvpAnswer.MAYBE.value],
                apologies=said[RsvpAnswer.DECLINED.value],
                came=ticked[str(True)] if ticked else None,
                reflections=int(reflected.get(cs.id, 0)),
            )
        )
    return figures


def _membership_rows(
    session: Session, community: Community
) -> list[tuple[int, datetime, datetime | None]]:
    return [
        (int(member_id), joined_at, left_at)
        for member_id, joined_at, left_at in session.execute(
            select(Member.id, Member.joined_at, Member.left_at).where(
                Member.community_id == community.id
            )
        )
    ]


def retention(session: Session, community: Community, period: Period) -> list[MonthFigures]:
    """Members active per month. Active: answered a session's RSVP, came to a session (ticked
    or said so), wrote a reflection, was in a set meeting's life (an action or an apology),
    or did anything else with Catalyst (a command, a click, a form) where the only record is
    their last-seen time, which counts for its own month only."""
    start, end = period.starts_at, period.ends_at
    seen: dict[date, set[int]] = defaultdict(set)

    def add(rows: Iterable[tuple[object, datetime | None]]) -> None:
        for member_id, at in rows:
            if member_id is not None and at is not None and start <= at < end:
                seen[period.month_of(at)].add(int(str(member_id)))

    in_community = Member.community_id == community.id
    add(
        session.execute(
            select(SessionRsvp.member_id, SessionRsvp.answered_at)
            .join(Member, Member.id == SessionRsvp.member_id)
            .where(in_community, SessionRsvp.answered_at >= start, SessionRsvp.answered_at < end)
        )
    )
    add(
        session.execute(
            select(SessionAttendance.member_id, CommunitySession.starts_at)
            .join(CommunitySession, CommunitySession.id == SessionAttendance.session_id)
            .where(
                CommunitySession.community_id == community.id,
                SessionAttendance.came.is_(True),
                CommunitySession.starts_at >= start,
                CommunitySession.starts_at < end,
            )
        )
    )
    add(
        session.execute(
            select(Reflection.member_id, Reflection.created_at).where(
                Reflection.community_id == community.id,
                Reflection.created_at >= start,
                Reflection.created_at < end,
            )
        )
    )
    add(
        session.execute(
            select(SetAction.member_id, SetAction.created_at)
            .join(Member, Member.id == SetAction.member_id)
            .where(in_community, SetAction.created_at >= start, SetAction.created_at < end)
        )
    )
    add(
        session.execute(
            select(SetApology.member_id, SetApology.at)
            .join(Member, Member.id == SetApology.member_id)
            .where(in_community, SetApology.at >= start, SetApology.at < end)
        )
    )
    add(
        session.execute(
            select(Member.id, Member.last_seen_at).where(
                in_community, Member.last_seen_at >= start, Member.last_seen_at < end
            )
        )
    )
    people = _membership_rows(session, community)
    months: list[MonthFigures] = []
    for month in period.months():
        month_start, month_end = period.month_bounds(month)
        members = {
            member_id
            for member_id, joined_at, left_at in people
            if joined_at < month_end and (left_at is None or left_at >= month_start)
        }
        months.append(
            MonthFigures(month=month, members=len(members), active=len(seen[month] & members))
        )
    return months


def peer_coaching(session: Session, community: Community, period: Period) -> PeerCoaching:
    rounds = session.scalar(
        select(func.count())
        .select_from(PairingRound)
        .where(
            PairingRound.community_id == community.id,
            PairingRound.started_at >= period.starts_at,
            PairingRound.started_at < period.ends_at,
        )
    )
    groups = session.execute(
        select(PairingGroup.outcome, PairingGroup.cross_organisation)
        .join(PairingRound, PairingRound.id == PairingGroup.round_id)
        .where(
            PairingRound.community_id == community.id,
            PairingRound.started_at >= period.starts_at,
            PairingRound.started_at < period.ends_at,
        )
    )
    pairs = met = answered = cross = 0
    for outcome, cross_organisation in groups:
        pairs += 1
        met += outcome == Outcome.MET.value
        answered += outcome != Outcome.OPEN.value
        cross += bool(cross_organisation)
    return PeerCoaching(
        rounds=int(rounds or 0), pairs=pairs, met=met, answered=answered, cross_organisation=cross
    )


def action_learning(session: Session, community: Community, period: Period) -> ActionLearning:
    meetings = session.execute(
        select(SetMeeting.id, SetMeeting.set_id, SetMeeting.status)
        .join(LearningSet, LearningSet.id == SetMeeting.set_id)
        .where(
            LearningSet.community_id == community.id,
            SetMeeting.starts_at >= period.starts_at,
            SetMeeting.starts_at < period.ends_at,
            SetMeeting.status != MeetingStatus.CANCELLED.value,
        )
    ).all()
    meeting_ids = [int(row[0]) for row in meetings]
    set_ids = {int(row[1]) for row in meetings}
    held = sum(1 for row in meetings if row[2] == MeetingStatus.HELD.value)
    members = apologies = 0
    actions: list[str] = []
    if set_ids:
        members = int(
            session.scalar(
                select(func.count())
                .select_from(SetMembership)
                .where(SetMembership.set_id.in_(set_ids))
            )
            or 0
        )
    if meeting_ids:
        apologies = int(
            session.scalar(
                select(func.count())
                .select_from(SetApology)
                .where(SetApology.meeting_id.in_(meeting_ids))
            )
            or 0
        )
        actions = [
            str(status)
            for status in session.scalars(
                select(SetAction.status).where(SetAction.meeting_id.in_(meeting_ids))
            )
        ]
    reported = {ActionStatus.DONE.value, ActionStatus.CARRIED.value}
    return ActionLearning(
        sets=len(set_ids),
        members=members,
        meetings_planned=len(meetings),
        meetings_held=held,
        apologies=apologies,
        actions=len(actions),
        actions_reported=sum(1 for status in actions if status in reported),
    )


def reflections(session: Session, community: Community, period: Period) -> Reflections:
    rows = session.execute(
        select(
            Reflection.member_id,
            Reflection.body,
            Reflection.visibility,
            Reflection.quotable,
            Reflection.created_at,
            CommunitySession.theme,
        )
        .join(Prompt, Prompt.id == Reflection.prompt_id)
        .outerjoin(CommunitySession, CommunitySession.id == Prompt.session_id)
        .where(
            Reflection.community_id == community.id,
            Reflection.created_at >= period.starts_at,
            Reflection.created_at < period.ends_at,
        )
        .order_by(Reflection.created_at, Reflection.id)
    ).all()
    themes: Counter[str | None] = Counter()
    authors: set[int] = set()
    quotes: list[Quote] = []
    for member_id, body, visibility, quotable, created_at, theme in rows:
        themes[theme] += 1
        authors.add(int(member_id))
        # Only what the author said may be quoted, and only what they shared.
        if quotable and visibility == Visibility.SHARED.value:
            quotes.append(Quote(body=str(body), theme=theme, at=created_at))
    by_theme = sorted(themes.items(), key=lambda item: (-item[1], item[0] is None, item[0] or ""))
    return Reflections(
        total=len(rows), by_theme=by_theme, authors=len(authors), quotes=quotes[-QUOTES:]
    )


def library(session: Session, community: Community, period: Period) -> Library:
    start, end = period.starts_at, period.ends_at
    searches = session.execute(
        select(ResourceSearch.found).where(
            ResourceSearch.community_id == community.id,
            ResourceSearch.searched_at >= start,
            ResourceSearch.searched_at < end,
        )
    ).scalars()
    found = [bool(value) for value in searches]
    added = session.scalar(
        select(func.count())
        .select_from(Resource)
        .where(
            Resource.community_id == community.id,
            Resource.published_at >= start,
            Resource.published_at < end,
        )
    )
    votes = session.execute(
        select(Resource.title, func.count())
        .join(ResourceVote, ResourceVote.resource_id == Resource.id)
        .where(
            Resource.community_id == community.id,
            ResourceVote.voted_at >= start,
            ResourceVote.voted_at < end,
        )
        .group_by(Resource.id, Resource.title)
        .order_by(func.count().desc(), Resource.title)
    )
    counted = [(str(title), int(n)) for title, n in votes]
    return Library(
        searches=len(found),
        searches_found=sum(found),
        added=int(added or 0),
        helpful_votes=sum(n for _title, n in counted),
        top=counted[:TOP_RESOURCES],
    )


def membership(
    session: Session, community: Community, period: Period, name_organisations: bool
) -> Membership:
    events = Counter(
        str(kind)
        for kind in session.scalars(
            select(MembershipEvent.kind).where(
                MembershipEvent.community_id == community.id,
                MembershipEvent.occurred_at >= period.starts_at,
                MembershipEvent.occurred_at < period.ends_at,
            )
        )
    )
    at_end = session.execute(
        select(Member.organisation)
        .where(
            Member.community_id == community.id,
            Member.joined_at < period.ends_at,
            (Member.left_at.is_(None)) | (Member.left_at >= period.ends_at),
        )
        .order_by(Member.id)
    ).scalars()
    # Organisations as people type them: "Shelter" and "shelter " are one.
    organisations: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    members = 0
    for name in at_end:
        members += 1
        key = " ".join(str(name).split()).casefold()
        if key:
            organisations[key] += 1
            spelled.setdefault(key, " ".join(str(name).split()))
    named = (
        sorted(((spelled[key], n) for key, n in organisations.items()), key=lambda o: (-o[1], o[0]))
        if name_organisations
        else []
    )
    return Membership(
        joined=events[MembershipEventKind.JOINED.value]
        + events[MembershipEventKind.REJOINED.value],
        left=events[MembershipEventKind.LEFT.value],
        erased=events[MembershipEventKind.FORGOTTEN.value],
        members_at_end=members,
        organisations_at_end=len(organisations),
        organisation_names=named,
    )


def gather(
    session: Session, community: Community, period: Period, *, name_organisations: bool = False
) -> ProgrammeData:
    return ProgrammeData(
        community_name=community.name,
        period=period,
        sessions=session_figures(session, _sessions(session, community, period)),
        months=retention(session, community, period),
        peer_coaching=peer_coaching(session, community, period),
        action_learning=action_learning(session, community, period),
        reflections=reflections(session, community, period),
        library=library(session, community, period),
        membership=membership(session, community, period, name_organisations),
    )
