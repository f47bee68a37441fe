"""A small, exact programme for the evaluation report's tests: every figure below is known.

The period is January to March 2026 (Europe/London, winter: local time is UTC).

- Members: Amina (Org A), Ben (Org A), Chloe (" org a": the same organisation, typed
  differently), Dev (Org C), Ema (Org E), all joined 1 December 2025. Ema leaves on
  20 February. Farah joins 1 February and erases her data on 1 March.
- Sessions: 1 (15 Jan, Anti-racism), 2 (12 Feb, Anti-racism), 3 (12 Mar, Lived experience
  leadership); a fourth in April, outside the period.
  RSVPs: 1: Amina, Ben, Chloe going, Dev can't, Ema maybe. 2: Amina, Ben going, Chloe and Dev
  can't. 3: Amina going.
  Came: 1: a facilitator ticked Amina, Ben, Ema (not Chloe): 3. 2: Amina said yes, Ben no: 1.
  3: nobody recorded.
- Reflections: session 1: Amina (shared, quotable), Ben (private); session 2: Chloe (shared,
  not quotable); a stand-alone prompt: Amina (3 March). Farah's reflection went with her.
- Peer coaching: round 1 (5 Jan): a pair that met across organisations, a pair still open
  within one; round 2 (2 Feb): a pair across organisations that couldn't meet.
- Action learning: one set of three; meeting 1 (20 Jan) held with two actions (one done, one
  open), meeting 2 (17 Feb) not held with one apology, meeting 3 (17 Mar) still scheduled,
  meeting 4 in April (outside).
- Library: three searches in the period (two found something), one in December; two
  resources published in the period; helpful votes: "Anti-racist practice guide" 2,
  "Trustee toolkit" 1.
- Activity (RSVP answers a week before each session, reflections, set actions and an
  apology, Ben last seen 10 March): January 5 of 5 members, February 4 of 5, March 2 of 4.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from core import communities, privacy
from core.membership import service as membership
from core.models import Community, Member
from core.pairing.models import Outcome, PairingGroup, PairingRound
from core.resources.models import Resource, ResourceSearch, ResourceVote
from core.sessions import attendance
from core.sessions.models import (
    CommunitySession,
    Prompt,
    Reflection,
    RsvpAnswer,
    SessionRsvp,
    Visibility,
)
from core.sets.models import (
    ActionStatus,
    LearningSet,
    MeetingStatus,
    SetAction,
    SetApology,
    SetCycle,
    SetMeeting,
    SetMembership,
)
from tests.core.drafts import draft

FIRST_DAY = date(2026, 1, 1)
LAST_DAY = date(2026, 3, 31)
TEAM = "TPROGRAMME"
QUOTE = "Naming the power in the room changed how our board meets."
SECRET = "A private thought nobody else should read."


def at(month: int, day: int, hour: int = 10, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@dataclass
class Programme:
    community_id: int
    members: dict[str, int]
    sessions: dict[int, int]  # number -> id


def _member(session: Session, community: Community, name: str, org: str, when: datetime) -> Member:
    profile = membership.check_profile(
        draft(display_name=name, organisation=org), community, joining=True
    )
    member, _new = membership.join(session, community, f"U{name.upper()}", profile, when)
    member.last_seen_at = when
    return member


def _session(
    session: Session, community: Community, number: int, starts: datetime, theme: str
) -> CommunitySession:
    cs = CommunitySession(
        community_id=community.id,
        number=number,
        title=f"Session about {theme}",
        theme=theme,
        starts_at=starts,
        duration_minutes=90,
        location="https://meet.example.org/cop",
        created_at=at(12, 1, year=2025),
        updated_at=at(12, 1, year=2025),
    )
    session.add(cs)
    session.flush()
    return cs


def _rsvp(session: Session, cs: CommunitySession, member: Member, answer: RsvpAnswer) -> None:
    session.add(
        SessionRsvp(
            session_id=cs.id,
            member_id=member.id,
            answer=answer.value,
            answered_at=cs.starts_at - timedelta(days=7),
        )
    )


def _reflect(
    session: Session,
    prompt: Prompt,
    member: Member,
    body: str,
    when: datetime,
    visibility: Visibility = Visibility.SHARED,
    quotable: bool = False,
) -> None:
    session.add(
        Reflection(
            community_id=prompt.community_id,
            prompt_id=prompt.id,
            member_id=member.id,
            body=body,
            visibility=visibility.value,
            source="form",
            quotable=quotable,
            created_at=when,
            updated_at=when,
        )
    )


def _prompt(
    session: Session, community: Community, cs: CommunitySession | None, when: datetime
) -> Prompt:
    prompt = Prompt(
        community_id=community.id,
        session_id=cs.id if cs else None,
        text="What will you carry into your work?",
        post_at=when,
        created_at=when,
    )
    session.add(prompt)
    session.flush()
    return prompt


def build(session: Session, language: str = "en") -> Programme:
    community = communities.get_or_create(
        session,
        "slack",
        TEAM,
        timezone="Europe/London",
        now=at(11, 1, year=2025),
        language=language,
    )
    community.name = "Bridges"
    joined = at(12, 1, year=2025)
    amina = _member(session, community, "Amina", "Org A", joined)
    ben = _member(session, community, "Ben", "Org A", joined)
    chloe = _member(session, community, "Chloe", " org a", joined)
    dev = _member(session, community, "Dev", "Org C", joined)
    ema = _member(session, community, "Ema", "Org E", joined)
    farah = _member(session, community, "Farah", "Org F", at(2, 1))
    ben.last_seen_at = at(3, 10)
    s1 = _session(session, community, 1, at(1, 15), "Anti-racism")
    s2 = _session(session, community, 2, at(2, 12), "Anti-racism")
    s3 = _session(session, community, 3, at(3, 12), "Lived experience leadership")
    s4 = _session(session, community, 4, at(4, 16), "Anti-racism")
    going, maybe, declined = RsvpAnswer.GOING, RsvpAnswer.MAYBE, RsvpAnswer.DECLINED
    for member, answer in [
        (amina, going),
        (ben, going),
        (chloe, going),
        (dev, declined),
        (ema, maybe),
    ]:
        _rsvp(session, s1, member, answer)
    for member, answer in [(amina, going), (ben, going), (chloe, declined), (dev, declined)]:
        _rsvp(session, s2, member, answer)
    _rsvp(session, s3, amina, going)
    _rsvp(session, s4, amina, going)
    session.flush()
    attendance.record_ticks(
        session, s1, {amina.id, ben.id, ema.id}, [amina.id, ben.id, chloe.id, ema.id], at(1, 16)
    )
    attendance.answer(session, s2, amina, True, at(2, 13))
    attendance.answer(session, s2, ben, False, at(2, 13))

    p1 = _prompt(session, community, s1, at(1, 15, 12))
    p2 = _prompt(session, community, s2, at(2, 12, 12))
    alone = _prompt(session, community, None, at(3, 2))
    _reflect(session, p1, amina, QUOTE, at(1, 16), quotable=True)
    _reflect(session, p1, ben, SECRET, at(1, 16), Visibility.PRIVATE)
    _reflect(session, p2, chloe, "Apologies are a signal, not a failure.", at(2, 13))
    _reflect(session, alone, amina, "Small steps.", at(3, 3))
    _reflect(session, p2, farah, "Farah's words, erased with her.", at(2, 14), quotable=True)

    r1 = PairingRound(community_id=community.id, number=1, started_at=at(1, 5), participants=4)
    r2 = PairingRound(community_id=community.id, number=2, started_at=at(2, 2), participants=2)
    session.add_all([r1, r2])
    session.flush()
    for round_, cross, outcome in [
        (r1, True, Outcome.MET),
        (r1, False, Outcome.OPEN),
        (r2, True, Outcome.COULDNT),
    ]:
        session.add(
            PairingGroup(
                round_id=round_.id,
                community_id=community.id,
                size=2,
                cross_organisation=cross,
                outcome=outcome.value,
                created_at=round_.started_at,
            )
        )

    cycle = SetCycle(community_id=community.id, number=1, status="active", created_at=at(1, 1))
    session.add(cycle)
    session.flush()
    learning_set = LearningSet(
        cycle_id=cycle.id,
        community_id=community.id,
        number=1,
        name="cop-set-cedar",
        created_at=at(1, 1),
    )
    session.add(learning_set)
    session.flush()
    for turn, member in enumerate([amina, ben, chloe]):
        session.add(
            SetMembership(
                set_id=learning_set.id, member_id=member.id, turn=turn, joined_at=at(1, 1)
            )
        )
    meetings = []
    for number, starts, status in [
        (1, at(1, 20), MeetingStatus.HELD),
        (2, at(2, 17), MeetingStatus.NOT_HELD),
        (3, at(3, 17), MeetingStatus.SCHEDULED),
        (4, at(4, 14), MeetingStatus.SCHEDULED),
    ]:
        meeting = SetMeeting(
            set_id=learning_set.id,
            number=number,
            starts_at=starts,
            minutes=120,
            status=status.value,
        )
        session.add(meeting)
        meetings.append(meeting)
    session.flush()
    for member, status in [(amina, ActionStatus.DONE), (ben, ActionStatus.OPEN)]:
        session.add(
            SetAction(
                set_id=learning_set.id,
                member_id=member.id,
                meeting_id=meetings[0].id,
                text="Talk to the board",
                status=status.value,
                created_at=at(1, 20),
                updated_at=at(1, 20),
            )
        )
    session.add(SetApology(meeting_id=meetings[1].id, member_id=chloe.id, at=at(2, 10)))

    for when, found in [
        (at(12, 20, year=2025), True),
        (at(1, 7), True),
        (at(2, 7), False),
        (at(3, 7), True),
    ]:
        session.add(ResourceSearch(community_id=community.id, searched_at=when, found=found))
    guide = _resource(session, community, 1, "Anti-racist practice guide", at(1, 10))
    toolkit = _resource(session, community, 2, "Trustee toolkit", at(2, 10))
    session.add_all(
        [
            ResourceVote(resource_id=guide.id, member_id=amina.id, voted_at=at(1, 11)),
            ResourceVote(resource_id=guide.id, member_id=ben.id, voted_at=at(1, 12)),
            ResourceVote(resource_id=toolkit.id, member_id=chloe.id, voted_at=at(2, 11)),
        ]
    )
    session.flush()
    membership.leave(session, ema, at(2, 20))
    ids = {m.display_name: m.id for m in [amina, ben, chloe, dev, ema]}
    privacy.forget(session, farah, at(3, 1))
    session.flush()
    return Programme(
        community_id=community.id,
        members=ids,
        sessions={1: s1.id, 2: s2.id, 3: s3.id, 4: s4.id},
    )


def _resource(
    session: Session, community: Community, number: int, title: str, when: datetime
) -> Resource:
    resource = Resource(
        community_id=community.id,
        number=number,
        title=title,
        url=f"https://example.org/{number}",
        url_key=f"key{number}",
        format="reading",
        themes=[],
        language="en",
        helpful_count=0,
        created_at=when,
        updated_at=when,
        published_at=when,
    )
    session.add(resource)
    session.flush()
    return resource
