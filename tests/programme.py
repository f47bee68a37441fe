"""A simulated Community of Practice programme: months of sessions, RSVPs, reminders,
attendance, reflections, peer-coaching rounds, action learning sets, the library, a poll and
the end-of-programme survey, with some members slowly drifting away. Seeded, so the same
arguments always make the same community. The care tests judge drift over it, the report
tests check the programme report against it, and `make bench-report` times the report
over a 500-member one.

    programme = build_programme(session, community, clock.now(), members=40, months=6, seed=1)
    clock.set(programme.ends_at)          # "Monday morning" after the last session
    programme.drifting                    # {member_id: {"sessions", "reminders", ...}}
    programme.report                      # what the report should count (ReportTruth)

Members join through the real membership service (and leavers leave through it); the rest
is written as rows directly (what the services would have stored), so it is quick: 500
members over 6 months with a session a fortnight build in about 12 s on SQLite and 23 s
on PostgreSQL (and the care list over it takes under a second).

What it writes: members (two of them facilitators) across organisation sizes, role levels
and the community's themes; one session a month (or `sessions` spread evenly), each with a
posted reflection prompt, RSVPs (going, maybe, apologies with a note), the reminders the
outbox delivered (one per default offset, 7d/1d/1h, except to those who sent apologies)
and reflections from some of those going; a peer-coaching round every fortnight with each
group's outcome; one cycle of action learning sets with monthly meetings (held) and
apologies; everyone's last_seen_at.

And, from a second generator seeded alongside (so it never changes the community above):
who came to each session (a facilitator's ticks; members' own answers for the second; a
member who said Going and didn't come does come the next time they say Going, so nobody
is a "no-show" twice in a row);
the presenter's action at each set meeting, most reported back by the next; a library
(a quarter of it older than the programme) with helpful votes and searches; an anonymous
poll halfway through; the end-of-programme survey the day after the last session, answered
by about half of those still taking part; and `leavers` members whose pairings had stopped
happening leaving three days before the end (off the care list, so not in `drifting`).
`report` holds every figure as it was written, and each member's dated activity.

Who drifts, and how (each member follows one pattern, chosen by the seed):
- STEADY: answers every session (going, sometimes an apology), meets their peer-coaching
  partner (an occasional "not yet", never twice in a row), writes some reflections, is
  seen recently. Never on the care list.
- FADING: engaged for the first months, then stops: no RSVP for the last two or more
  sessions (so the reminders go unanswered too), and their pairings don't happen.
- QUIET: engaged, but didn't answer the last session's three reminders and has done
  nothing since: only "hasn't answered the last three reminders".
- UNMET: answers sessions, but their last pairings never happened.
- SET_APOLOGIES: answers sessions, but sent apologies for their set's last two meetings.

To keep the truth clear-cut, people who have stopped meeting their partners are paired
with each other (a steady member's record stays clean), and `drifting` holds the reasons
each pattern gives with the default rules (core/care/rules.py CareRules).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from core.broadcasts.models import Way
from core.delivery.models import OutboxMessage, OutboxStatus
from core.membership import service as membership
from core.models import Community, Member, OrgSize, Role, RoleLevel
from core.pairing.models import Outcome, PairingGroup, PairingGroupMember, PairingRound
from core.polls import surveys
from core.polls.models import (
    Poll,
    PollOption,
    PollStatus,
    PollVoter,
    Survey,
    SurveyAnswer,
    SurveyRespondent,
)
from core.resources.models import (
    Resource,
    ResourceFormat,
    ResourceSearch,
    ResourceSource,
    ResourceStatus,
    ResourceVote,
)
from core.sessions.models import (
    AttendanceSource,
    CommunitySession,
    Prompt,
    PromptStatus,
    Reflection,
    RsvpAnswer,
    SessionAttendance,
    SessionRsvp,
    Visibility,
)
from core.sets.models import (
    ActionStatus,
    CycleStatus,
    LearningSet,
    MeetingStatus,
    SetAction,
    SetApology,
    SetCycle,
    SetMeeting,
    SetMembership,
)
from handlers.membership.form import draft_from
from tests.helpers import profile_values

REMINDER_OFFSETS = (timedelta(days=7), timedelta(days=1), timedelta(hours=1))
FIRST_NAMES = (
    "Amina",
    "Adebayo",
    "Bronwen",
    "Chen",
    "Dara",
    "Eilidh",
    "Farah",
    "Gwen",
    "Hamid",
    "Imani",
    "Jonas",
    "Kemi",
    "Leila",
    "Malik",
    "Niamh",
    "Oluwaseun",
    "Priya",
    "Qasim",
    "Rhiannon",
    "Samir",
    "Tomasz",
    "Uzma",
    "Vikram",
    "Wren",
    "Xiomara",
    "Yusuf",
    "Zara",
    "Aled",
    "Beatriz",
    "Ciaran",
    "Deepa",
    "Efe",
    "Fionn",
    "Grace",
    "Hui",
    "Ifeoma",
    "Jasper",
    "Kiran",
    "Lowri",
    "Mehmet",
)
LAST_NAMES = (
    "Ali",
    "Baker",
    "Costa",
    "Davies",
    "Evans",
    "Friel",
    "Gill",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
)
ORGANISATIONS = (
    "Refugee Action Now",
    "Northside Food Bank",
    "Carers Together",
    "Youth Voice Cymru",
    "Open Doors Housing",
    "Women's Aid East",
    "Green Streets Trust",
    "Deaf Arts Collective",
    "Mind the Gap Mentoring",
    "Second Chance Learning",
    "City Law Centre",
    "Rural Transport Link",
)


class Pattern(StrEnum):
    STEADY = "steady"
    FADING = "fading"
    QUIET = "quiet"
    UNMET = "unmet"
    SET_APOLOGIES = "set_apologies"


# What the care rules say about each pattern with the defaults (sessions=2, no_shows=2,
# reminders=3, pairings=2, set_meetings=2).
EXPECTED_REASONS: dict[Pattern, frozenset[str]] = {
    Pattern.STEADY: frozenset(),
    Pattern.FADING: frozenset({"sessions", "reminders", "pairings"}),
    Pattern.QUIET: frozenset({"reminders"}),
    Pattern.UNMET: frozenset({"pairings"}),
    Pattern.SET_APOLOGIES: frozenset({"set_meetings"}),
}


@dataclass(frozen=True)
class ProgrammeMember:
    member_id: int
    name: str
    organisation: str
    org_size: str
    theme: str
    pattern: Pattern


@dataclass(frozen=True)
class SessionTruth:
    number: int
    starts_at: datetime
    going: int
    maybe: int
    apologies: int
    came: int  # came=True attendance rows (a facilitator's ticks, or members' own answers)
    reflections: int


@dataclass(frozen=True)
class ReportTruth:
    """What the programme evaluation report should find for the whole programme (from the
    day it starts to the day it ends), counted as the rows were written."""

    sessions: list[SessionTruth]
    joined: int
    left: int
    members_at_end: int
    organisations_at_end: int
    rounds: int
    pairs: int
    pairs_met: int
    pairs_answered: int  # anything but still open
    pairs_across_organisations: int
    sets: int
    set_members: int
    set_meetings: int  # all held
    set_apologies: int
    actions: int
    actions_reported: int  # done or carried
    reflection_authors: int
    quotable_reflections: int  # shared, and their author agreed to be quoted
    searches: int
    searches_found: int
    resources_added: int  # during the programme (a quarter of the library was there before)
    helpful_votes: int
    helpful: list[tuple[str, int]]  # title, votes: most first, then by title
    poll_question: str
    poll_votes: list[tuple[str, int]]  # option, votes, in the order offered
    poll_voters: int
    survey_sent_to: int
    survey_responses: int
    survey_scales: dict[str, list[int]]  # question key -> each 1-to-5 answer
    survey_texts: dict[str, list[str]]  # question key -> each written answer
    # (member id, when) for everything a member did that the report's retention counts:
    # RSVPs, coming to a session, reflections, set apologies and actions, last seen.
    activity: list[tuple[int, datetime]]


@dataclass
class Programme:
    """What `build_programme` made. Ids are database ids (never hard-code them)."""

    community_id: int
    starts_at: datetime
    ends_at: datetime  # a Monday-morning moment after the last session: judge drift here
    members: list[ProgrammeMember]
    facilitator_ids: list[int]
    session_ids: list[int]  # in date order
    prompt_ids: list[int]
    round_ids: list[int]
    set_ids: list[int]
    reflections: int
    report: ReportTruth
    # member id -> the reasons the default rules give (only members who drift and stayed).
    drifting: dict[int, frozenset[str]] = field(default_factory=dict)
    left_ids: list[int] = field(default_factory=list)

    def names(self, pattern: Pattern | None = None) -> list[str]:
        return sorted(m.name for m in self.members if pattern is None or m.pattern is pattern)

    def drifting_names(self) -> list[str]:
        by_id = {m.member_id: m.name for m in self.members}
        return sorted(by_id[i] for i in self.drifting)


def _patterns(count: int, rng: random.Random) -> list[Pattern]:
    """About one in five drifts, spread over the ways people drift."""
    drifters = max(4, count // 5)
    kinds = [Pattern.FADING, Pattern.QUIET, Pattern.UNMET, Pattern.SET_APOLOGIES]
    chosen = [kinds[i % len(kinds)] for i in range(drifters)]
    chosen += [Pattern.STEADY] * (count - drifters)
    rng.shuffle(chosen)
    return chosen


def _join(
    session: Session,
    community: Community,
    index: int,
    rng: random.Random,
    joined_at: datetime,
    *,
    facilitator: bool = False,
) -> Member:
    name = f"{FIRST_NAMES[index % len(FIRST_NAMES)]} {LAST_NAMES[index % len(LAST_NAMES)]}"
    if index >= len(FIRST_NAMES):
        name = f"{name} {index // len(FIRST_NAMES) + 1}"
    sizes = [s.value for s in OrgSize]
    values = profile_values(
        display_name=name,
        organisation=ORGANISATIONS[rng.randrange(len(ORGANISATIONS))],
        org_size=rng.choice(sizes),
        role_level=rng.choice([r.value for r in RoleLevel]),
        themes=rng.sample(list(community.themes), k=min(2, len(community.themes))),
        languages=["en"],
        pairing_cadence="fortnightly",
        lived_experience_match=rng.random() < 0.2,
    )
    profile = membership.check_profile(draft_from(values), community, joining=True)
    member, _new = membership.join(
        session, community, f"UP{community.id:03d}{index:04d}", profile, joined_at
    )
    if facilitator:
        member.role = Role.FACILITATOR.value
    return member


def build_programme(
    session: Session,
    community: Community,
    clock_start: datetime,
    *,
    members: int = 40,
    months: int = 6,
    seed: int = 1,
    sessions: int | None = None,
    leavers: int = 0,
) -> Programme:
    """Build a programme of `months` four-week months with `sessions` sessions spread evenly
    over them (one a month unless given; the first a week after `clock_start`), fortnightly
    peer-coaching rounds and one cycle of action learning sets, for `members` members plus
    two facilitators, `leavers` of those whose pairings stopped leaving three days before the end.
    Returns what it made; `ends_at` is seven days after the last session."""
    count = months if sessions is None else sessions
    if members < 8 or months < 3 or not months <= count <= 4 * months:
        raise ValueError(
            "a programme needs at least 8 members, 3 months and one to four sessions a month"
        )
    rng = random.Random(seed)
    # The report's facts have their own generator, so adding to them never changes the
    # community (and the care truth) a seed makes.
    report_rng = random.Random(f"report:{seed}")
    patterns = _patterns(members, rng)
    facilitators = [
        _join(session, community, members + i, rng, clock_start, facilitator=True) for i in range(2)
    ]
    people = [_join(session, community, i, rng, clock_start) for i in range(members)]
    pattern_of = {m.id: p for m, p in zip(people, patterns, strict=True)}
    everyone = people + facilitators

    gap = timedelta(days=28 * months // count)
    session_starts = [
        (clock_start + timedelta(days=7) + gap * i).replace(hour=10, minute=0) for i in range(count)
    ]
    ends_at = session_starts[-1] + timedelta(days=7)
    last = len(session_starts) - 1
    fade_from = max(1, last - 2)  # FADING members answer nothing from this session on

    def engaged_in_session(member: Member, index: int) -> bool:
        pattern = pattern_of.get(member.id, Pattern.STEADY)
        if pattern is Pattern.FADING:
            return index < fade_from
        if pattern is Pattern.QUIET:
            return index < last
        return True

    session_ids: list[int] = []
    prompt_ids: list[int] = []
    reflections = 0
    # What the report should find, noted as it is written (no extra random draws here).
    answers: list[dict[int, str]] = []
    reflected: list[int] = []
    reflection_authors: set[int] = set()
    quotable = 0
    activity: list[tuple[int, datetime]] = []
    for index, starts_at in enumerate(session_starts):
        cs = CommunitySession(
            community_id=community.id,
            number=index + 1,
            title=f"Session {index + 1}: {community.themes[index % len(community.themes)]}",
            theme=community.themes[index % len(community.themes)],
            starts_at=starts_at,
            duration_minutes=90,
            location="https://meet.example.org/cop",
            created_at=clock_start,
            updated_at=clock_start,
        )
        session.add(cs)
        session.flush()
        session_ids.append(cs.id)
        prompt = Prompt(
            community_id=community.id,
            session_id=cs.id,
            text="What will you carry into your work this month?",
            post_at=starts_at + timedelta(hours=2),
            status=PromptStatus.POSTED.value,
            posted_channel="C0GENERAL",
            posted_ts=f"{int(starts_at.timestamp())}.000100",
            permalink=f"https://example.slack.com/archives/C0GENERAL/p{index + 1}",
            created_at=clock_start,
        )
        session.add(prompt)
        session.flush()
        prompt_ids.append(prompt.id)
        answers.append({})
        reflected.append(0)
        for member in everyone:
            engaged = engaged_in_session(member, index)
            answer: str | None = None
            if engaged:
                roll = rng.random()
                answer = (
                    RsvpAnswer.GOING.value
                    if roll < 0.75
                    else RsvpAnswer.DECLINED.value
                    if roll < 0.9
                    else RsvpAnswer.MAYBE.value
                )
                # Never before they joined.
                answered_at = max(starts_at - timedelta(days=rng.randint(2, 12)), clock_start)
                session.add(
                    SessionRsvp(
                        session_id=cs.id,
                        member_id=member.id,
                        answer=answer,
                        wants_recap=answer == RsvpAnswer.DECLINED.value,
                        apology="Sorry, a funding deadline" if answer == "declined" else None,
                        answered_at=answered_at,
                    )
                )
                answers[index][member.id] = answer
                activity.append((member.id, answered_at))
            for offset in REMINDER_OFFSETS:
                if answer == RsvpAnswer.DECLINED.value:
                    continue  # reminders skip people who sent apologies
                sent_at = starts_at - offset
                session.add(
                    OutboxMessage(
                        community_id=community.id,
                        key=f"programme:{cs.id}:{int(offset.total_seconds())}:m{member.id}",
                        kind="reminder",
                        recipient=member.platform_user_id,
                        member_id=member.id,
                        session_id=cs.id,
                        payload={},
                        due_at=sent_at,
                        status=OutboxStatus.SENT.value,
                        attempts=1,
                        next_attempt_at=sent_at,
                        sent_at=sent_at,
                        created_at=sent_at,
                    )
                )
            if answer == RsvpAnswer.GOING.value and rng.random() < 0.4:
                reflections += 1
                visibility = rng.choice([v.value for v in Visibility])
                consented = rng.random() < 0.3
                session.add(
                    Reflection(
                        community_id=community.id,
                        prompt_id=prompt.id,
                        member_id=member.id,
                        body="Listening before fixing: I'll try it with my team.",
                        visibility=visibility,
                        source="form",
                        quotable=consented,
                        created_at=starts_at + timedelta(days=1),
                        updated_at=starts_at + timedelta(days=1),
                    )
                )
                reflected[index] += 1
                reflection_authors.add(member.id)
                quotable += consented and visibility == Visibility.SHARED.value
                activity.append((member.id, starts_at + timedelta(days=1)))
    session.flush()

    # Peer coaching: a round every fortnight. People who stopped meeting are paired with
    # each other; everyone else meets (an occasional "not yet", never twice in a row).
    round_ids: list[int] = []
    missed_last: dict[int, bool] = {}
    pairs = Counter[str]()  # outcome -> groups, and "cross" for groups across organisations
    round_starts = [clock_start + timedelta(days=14 * i) for i in range(months * 2)]
    unmet_from = len(round_starts) - 4  # UNMET members' last four rounds don't happen

    def meets_partner(member: Member, index: int, started_at: datetime) -> bool:
        pattern = pattern_of.get(member.id, Pattern.STEADY)
        if pattern is Pattern.FADING:
            return started_at < session_starts[fade_from] - timedelta(days=28)
        if pattern is Pattern.UNMET:
            return index < unmet_from
        return True

    for index, started_at in enumerate(round_starts):
        pairing_round = PairingRound(
            community_id=community.id,
            number=index + 1,
            started_at=started_at,
            participants=len(people),
        )
        session.add(pairing_round)
        session.flush()
        round_ids.append(pairing_round.id)
        shuffled = people[:]
        rng.shuffle(shuffled)
        meeting = [m for m in shuffled if meets_partner(m, index, started_at)]
        drifting = [m for m in shuffled if not meets_partner(m, index, started_at)]
        for group_members, met in _groups(meeting, True) + _groups(drifting, False):
            outcome = Outcome.MET.value
            if not met:
                outcome = Outcome.COULDNT.value
            elif not any(missed_last.get(m.id) for m in group_members) and rng.random() < 0.15:
                outcome = Outcome.NOT_YET.value
            for m in group_members:
                missed_last[m.id] = outcome != Outcome.MET.value
            if started_at + timedelta(days=14) > ends_at:
                outcome = Outcome.OPEN.value  # too recent to have an answer yet
            across = len({m.organisation for m in group_members}) > 1
            pairs[outcome] += 1
            pairs["cross"] += across
            group = PairingGroup(
                round_id=pairing_round.id,
                community_id=community.id,
                size=len(group_members),
                cross_organisation=across,
                outcome=outcome,
                outcome_at=None
                if outcome == Outcome.OPEN.value
                else started_at + timedelta(days=9),
                created_at=started_at,
            )
            session.add(group)
            session.flush()
            session.add_all(
                PairingGroupMember(group_id=group.id, member_id=m.id, third=i == 2)
                for i, m in enumerate(group_members)
            )
    session.flush()

    # One cycle of action learning sets from the second month, a meeting every four weeks.
    cycle_start = clock_start + timedelta(days=28)
    cycle = SetCycle(
        community_id=community.id,
        number=1,
        status=CycleStatus.ACTIVE.value,
        meetings=months - 1,
        created_at=cycle_start,
        confirmed_at=cycle_start,
    )
    session.add(cycle)
    session.flush()
    in_sets = [m for m in people if pattern_of[m.id] in (Pattern.STEADY, Pattern.SET_APOLOGIES)]
    set_ids: list[int] = []
    held: list[tuple[SetMeeting, list[Member], set[int]]] = []  # meeting, set, apologised
    meeting_starts = [
        (cycle_start + timedelta(days=3 + 28 * i)).replace(hour=18, minute=0)
        for i in range(months - 1)
    ]
    for number, start in enumerate(range(0, len(in_sets), 5), start=1):
        chunk = in_sets[start : start + 5]
        learning_set = LearningSet(
            cycle_id=cycle.id,
            community_id=community.id,
            number=number,
            name=f"cop-set-{number}",
            created_at=cycle_start,
        )
        session.add(learning_set)
        session.flush()
        set_ids.append(learning_set.id)
        session.add_all(
            SetMembership(set_id=learning_set.id, member_id=m.id, turn=turn, joined_at=cycle_start)
            for turn, m in enumerate(chunk)
        )
        for meeting_number, meeting_start in enumerate(meeting_starts, start=1):
            meeting_row = SetMeeting(
                set_id=learning_set.id,
                number=meeting_number,
                starts_at=meeting_start,
                minutes=120,
                status=MeetingStatus.HELD.value,
            )
            session.add(meeting_row)
            session.flush()
            recent = meeting_number > len(meeting_starts) - 2
            held.append((meeting_row, chunk, set()))
            for turn, m in enumerate(chunk):
                apologising = pattern_of[m.id] is Pattern.SET_APOLOGIES and recent
                # Steady members apologise now and then, never for two meetings running.
                if not apologising and not recent and (turn + meeting_number) % 4 == 0:
                    apologising = rng.random() < 0.5
                if apologising:
                    session.add(
                        SetApology(
                            meeting_id=meeting_row.id,
                            member_id=m.id,
                            at=meeting_start - timedelta(days=1),
                        )
                    )
                    held[-1][2].add(m.id)
                    activity.append((m.id, meeting_start - timedelta(days=1)))
    session.flush()

    # Last seen: engaged people recently; the fading and the quiet when they stopped.
    for member in everyone:
        pattern = pattern_of.get(member.id, Pattern.STEADY)
        if pattern is Pattern.FADING:
            member.last_seen_at = session_starts[fade_from - 1] - timedelta(days=3)
        elif pattern is Pattern.QUIET:
            member.last_seen_at = session_starts[last] - timedelta(days=10)
        else:
            member.last_seen_at = ends_at - timedelta(days=rng.randint(1, 6))
        activity.append((member.id, member.last_seen_at))
    session.flush()

    # What only the report reads (nothing here changes what the care rules see).
    came = _attendance(session, session_ids, session_starts, answers, report_rng, activity)
    actions = _set_actions(session, held, report_rng, activity)
    # Those still taking part at the end vote, search and answer the survey.
    taking_part = [
        m
        for m in everyone
        if pattern_of.get(m.id, Pattern.STEADY)
        in (Pattern.STEADY, Pattern.UNMET, Pattern.SET_APOLOGIES)
    ]
    library = _library(session, community, taking_part, clock_start, ends_at, report_rng)
    poll = _poll(
        session, community, taking_part, session_starts[len(session_starts) // 2], report_rng
    )
    survey = _survey(session, community, everyone, taking_part, session_starts[last], report_rng)
    # Some whose pairings stopped happening leave (they are in no set, so nothing else moves).
    unmet = [m for m in people if pattern_of[m.id] is Pattern.UNMET]
    if leavers > len(unmet):
        raise ValueError(f"only {len(unmet)} members can leave this programme")
    left = report_rng.sample(unmet, leavers)
    left_at = ends_at - timedelta(days=3)
    for member in left:
        membership.leave(session, member, left_at)
        member.last_seen_at = left_at  # leaving was the last thing they did
    gone = {m.id for m in left}
    activity[:] = [(i, at) for i, at in activity if i not in gone or at < left_at]
    activity += [(m.id, left_at) for m in left]
    staying = [m for m in everyone if m not in left]
    report = ReportTruth(
        sessions=[
            SessionTruth(
                number=i + 1,
                starts_at=starts_at,
                going=sum(a == RsvpAnswer.GOING.value for a in answers[i].values()),
                maybe=sum(a == RsvpAnswer.MAYBE.value for a in answers[i].values()),
                apologies=sum(a == RsvpAnswer.DECLINED.value for a in answers[i].values()),
                came=came[i],
                reflections=reflected[i],
            )
            for i, starts_at in enumerate(session_starts)
        ],
        joined=len(everyone),
        left=len(left),
        members_at_end=len(staying),
        organisations_at_end=len({m.organisation for m in staying}),
        rounds=len(round_ids),
        pairs=sum(n for key, n in pairs.items() if key != "cross"),
        pairs_met=pairs[Outcome.MET.value],
        pairs_answered=sum(
            n for key, n in pairs.items() if key not in ("cross", Outcome.OPEN.value)
        ),
        pairs_across_organisations=pairs["cross"],
        sets=len(set_ids),
        set_members=len(in_sets),
        set_meetings=len(held),
        set_apologies=sum(len(apologised) for _m, _c, apologised in held),
        actions=actions[0],
        actions_reported=actions[1],
        reflection_authors=len(reflection_authors),
        quotable_reflections=quotable,
        searches=library.searches,
        searches_found=library.found,
        resources_added=library.added,
        helpful_votes=sum(library.votes.values()),
        helpful=sorted(library.votes.items(), key=lambda item: (-item[1], item[0])),
        poll_question=poll[0],
        poll_votes=poll[1],
        poll_voters=poll[2],
        survey_sent_to=survey.sent_to,
        survey_responses=survey.responses,
        survey_scales=survey.scales,
        survey_texts=survey.texts,
        activity=activity,
    )

    made = [
        ProgrammeMember(
            member_id=m.id,
            name=m.display_name,
            organisation=m.organisation,
            org_size=m.org_size,
            theme=m.themes[0] if m.themes else "",
            pattern=pattern_of[m.id],
        )
        for m in people
    ]
    return Programme(
        community_id=community.id,
        starts_at=clock_start,
        ends_at=ends_at,
        members=made,
        facilitator_ids=[f.id for f in facilitators],
        session_ids=session_ids,
        prompt_ids=prompt_ids,
        round_ids=round_ids,
        set_ids=set_ids,
        reflections=reflections,
        drifting={
            m.member_id: EXPECTED_REASONS[m.pattern]
            for m in made
            if EXPECTED_REASONS[m.pattern] and m.member_id not in {x.id for x in left}
        },
        left_ids=[m.id for m in left],
        report=report,
    )


def _groups(members: list[Member], met: bool) -> list[tuple[list[Member], bool]]:
    """Pairs in the given order, the odd one out joining the last pair as a third."""
    groups = [members[i : i + 2] for i in range(0, len(members) - 1, 2)]
    # Alone, the odd one out isn't placed this round (as the matcher leaves someone).
    if len(members) % 2 == 1 and groups:
        groups[-1].append(members[-1])
    return [(g, met) for g in groups]


def _attendance(
    session: Session,
    session_ids: list[int],
    session_starts: list[datetime],
    answers: list[dict[int, str]],
    rng: random.Random,
    activity: list[tuple[int, datetime]],
) -> list[int]:
    """Who came, as recorded after each session: a facilitator's tick list (everyone who
    said going or maybe, ticked or not), except the second session, where only members'
    own "Did you make it?" answers came in. Returns how many came to each."""
    came: list[int] = []
    # Said Going and didn't come, at their last recorded session: they come the next time
    # they say Going, so nobody meets the care "no-shows" rule (2 in a row) by chance.
    no_show_last: set[int] = set()
    for index, (session_id, starts_at) in enumerate(zip(session_ids, session_starts, strict=True)):
        by_members = index == 1
        count = 0
        for member_id, answer in answers[index].items():
            if answer == RsvpAnswer.DECLINED.value:
                continue
            going = answer == RsvpAnswer.GOING.value
            there = rng.random() < (0.85 if going else 0.4)
            if by_members and rng.random() < 0.3:
                continue  # didn't answer "Did you make it?"
            if going and member_id in no_show_last:
                there = True
            if going and not there:
                no_show_last.add(member_id)
            else:
                no_show_last.discard(member_id)
            session.add(
                SessionAttendance(
                    session_id=session_id,
                    member_id=member_id,
                    came=there,
                    source=(
                        AttendanceSource.MEMBER if by_members else AttendanceSource.FACILITATOR
                    ).value,
                    recorded_at=starts_at + timedelta(hours=3 if not by_members else 26),
                )
            )
            if there:
                count += 1
                activity.append((member_id, starts_at))
        came.append(count)
    session.flush()
    return came


def _set_actions(
    session: Session,
    held: list[tuple[SetMeeting, list[Member], set[int]]],
    rng: random.Random,
    activity: list[tuple[int, datetime]],
) -> tuple[int, int]:
    """At each meeting the presenter (turns in order; the next one along when the presenter
    sent apologies) takes away an action; by the next meeting most are done or carried on,
    and the last meeting's are still open. Returns (actions, reported back)."""
    last = max(meeting.number for meeting, _chunk, _apologised in held) if held else 0
    actions = reported = 0
    for meeting, chunk, apologised in held:
        there = [m for m in chunk if m.id not in apologised]
        if not there:
            continue
        presenter = there[(meeting.number - 1) % len(there)]
        status = ActionStatus.OPEN.value
        if meeting.number < last:
            roll = rng.random()
            status = (
                ActionStatus.DONE.value
                if roll < 0.6
                else ActionStatus.CARRIED.value
                if roll < 0.85
                else ActionStatus.OPEN.value
            )
        agreed_at = meeting.starts_at + timedelta(hours=2)
        session.add(
            SetAction(
                set_id=meeting.set_id,
                member_id=presenter.id,
                meeting_id=meeting.id,
                text="Try the listening round with my team and say how it went.",
                status=status,
                created_at=agreed_at,
                updated_at=agreed_at,
            )
        )
        activity.append((presenter.id, agreed_at))
        actions += 1
        reported += status != ActionStatus.OPEN.value
    session.flush()
    return actions, reported


@dataclass(frozen=True)
class _Library:
    searches: int
    found: int
    added: int
    votes: dict[str, int]  # title -> helpful votes


def _library(
    session: Session,
    community: Community,
    voters: list[Member],
    start: datetime,
    end: datetime,
    rng: random.Random,
) -> _Library:
    """A library of resources (a quarter there before the programme, the rest added
    during it), helpful votes from those taking part, and searches, most finding something."""
    count = max(8, len(voters) // 2)
    resources: list[Resource] = []
    for number in range(1, count + 1):
        theme = community.themes[number % len(community.themes)]
        published = (
            start - timedelta(days=30)
            if number <= count // 4
            else start + (end - start) * rng.random()
        )
        resource = Resource(
            community_id=community.id,
            number=number,
            title=f"{theme}: guide {number}",
            url=f"https://library.example.org/{number}",
            url_key=f"programme-{number}",
            format=rng.choice([f.value for f in ResourceFormat]),
            themes=[theme],
            language="en",
            status=ResourceStatus.LIVE.value,
            source=ResourceSource.IMPORT.value,
            helpful_count=0,
            created_at=published,
            updated_at=published,
            published_at=published,
        )
        session.add(resource)
        resources.append(resource)
    session.flush()
    votes: dict[str, int] = {}
    # A few resources most people find helpful, a long tail the rest.
    weights = [1 / rank for rank in range(1, count + 1)]
    for voter in voters:
        if rng.random() < 0.4:
            continue
        for resource in set(rng.choices(resources, weights, k=rng.randint(1, 3))):
            lower = max(start, resource.published_at or start)
            voted_at = lower + (end - timedelta(days=7) - lower) * rng.random()
            session.add(
                ResourceVote(resource_id=resource.id, member_id=voter.id, voted_at=voted_at)
            )
            resource.helpful_count += 1
            votes[resource.title] = votes.get(resource.title, 0) + 1
    searches = len(voters) * 3
    found = 0
    for _index in range(searches):
        hit = rng.random() < 0.8
        found += hit
        session.add(
            ResourceSearch(
                community_id=community.id,
                searched_at=start + (end - start) * rng.random(),
                found=hit,
            )
        )
    session.flush()
    return _Library(searches=searches, found=found, added=count - count // 4, votes=votes)


def _poll(
    session: Session,
    community: Community,
    voters: list[Member],
    sent_at: datetime,
    rng: random.Random,
) -> tuple[str, list[tuple[str, int]], int]:
    """A closed anonymous channel poll halfway through: which theme next. Returns the
    question, each option's votes in order, and how many voted."""
    question = "Which theme should the next sessions take up?"
    poll = Poll(
        community_id=community.id,
        question=question,
        multiple=False,
        anonymous=True,
        members_add=False,
        audience=["everyone"],
        way=Way.CHANNEL.value,
        channel_id="C0GENERAL",
        delivery_hours="08:00-20:00",
        config_facilitators=[],
        closes_at=sent_at + timedelta(days=7),
        status=PollStatus.CLOSED.value,
        secret=f"{rng.getrandbits(128):032x}",
        redraws=0,
        created_at=sent_at,
        confirmed_at=sent_at,
        closed_at=sent_at + timedelta(days=7),
    )
    session.add(poll)
    session.flush()
    themes = list(community.themes[:3])
    counts = dict.fromkeys(themes, 0)
    voted = [m for m in voters if rng.random() < 0.6]
    for member in voted:
        counts[rng.choice(themes)] += 1
        session.add(PollVoter(poll_id=poll.id, member_id=member.id, copies=1))
    session.add_all(
        PollOption(poll_id=poll.id, position=position, text=theme, votes=counts[theme])
        for position, theme in enumerate(themes, start=1)
    )
    session.flush()
    return question, [(theme, counts[theme]) for theme in themes], len(voted)


@dataclass(frozen=True)
class _Survey:
    sent_to: int
    responses: int
    scales: dict[str, list[int]]  # question key -> the 1-to-5 answers
    texts: dict[str, list[str]]  # question key -> the written answers


def _survey(
    session: Session,
    community: Community,
    everyone: list[Member],
    answering: list[Member],
    last_session: datetime,
    rng: random.Random,
) -> _Survey:
    """The end-of-programme survey (anonymous, the default questions), sent to everyone the
    day after the last session; about half of those still taking part answer."""
    sent_at = last_session + timedelta(days=1)
    survey = Survey(
        community_id=community.id,
        questions=[dict(q) for q in surveys.DEFAULT_QUESTIONS],
        anonymous=True,
        audience=["everyone"],
        delivery_hours="08:00-20:00",
        config_facilitators=[],
        closes_at=sent_at + timedelta(days=5),
        status=PollStatus.CLOSED.value,
        created_at=sent_at,
        confirmed_at=sent_at,
    )
    session.add(survey)
    session.flush()
    for member in everyone:
        session.add(
            OutboxMessage(
                community_id=community.id,
                key=f"survey:{survey.id}:m{member.id}",
                kind="survey_dm",
                recipient=member.platform_user_id,
                member_id=member.id,
                payload={},
                due_at=sent_at,
                status=OutboxStatus.SENT.value,
                attempts=1,
                next_attempt_at=sent_at,
                sent_at=sent_at,
                created_at=sent_at,
            )
        )
    scales: dict[str, list[int]] = {"continue": [], "value": []}
    texts: dict[str, list[str]] = {"helped": [], "hindered": [], "change": []}
    written = {
        "helped": ["Meeting people from other organisations.", "My peer-coaching partner."],
        "hindered": ["Sessions clashed with board meetings.", ""],
        "change": ["More time in small groups.", ""],
    }
    respondents = [m for m in answering if rng.random() < 0.5]
    for member in respondents:
        given: dict[str, object] = {}
        for key in scales:
            given[key] = rng.choice([2, 3, 4, 4, 5, 5])
            scales[key].append(int(str(given[key])))
        for key, choices in written.items():
            text = rng.choice(choices)
            if text:  # a question left blank isn't stored
                given[key] = text
                texts[key].append(text)
        session.add(SurveyRespondent(survey_id=survey.id, member_id=member.id))
        session.add(
            SurveyAnswer(
                # Random but seeded, and unique across surveys in one database.
                id=f"{survey.id:04x}{rng.getrandbits(112):028x}",
                survey_id=survey.id,
                member_id=None,
                answers=given,
            )
        )
    session.flush()
    return _Survey(sent_to=len(everyone), responses=len(respondents), scales=scales, texts=texts)
