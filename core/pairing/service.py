"""Peer coaching: who takes part in a round, running it, answers, and members' choices.

Services take the session (the caller owns the transaction) and an explicit `now`. The
matching itself is `core.pairing.matching` (pure); this module feeds it from the database and
stores what it decided. Members' private data (lived-experience preference, avoid-lists)
is used here only to build matching candidates and is never shown to anyone else.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import i18n
from core.delivery import outbox as outbox
from core.errors import UserError
from core.i18n import N_, _
from core.models import (
    Community,
    Member,
    MemberStatus,
    PairingCadence,
    group_language,
    not_paused,
)
from core.pairing import matching as matching
from core.pairing import notices as pairing_notices
from core.pairing import plan as pairing_plan
from core.pairing.models import (
    Outcome,
    PairingAvoid,
    PairingGroup,
    PairingGroupMember,
    PairingPreference,
    PairingRound,
    PairingSettings,
)

CADENCE_EVERY = {
    PairingCadence.WEEKLY.value: 1,
    PairingCadence.FORTNIGHTLY.value: 2,
    PairingCadence.MONTHLY.value: 4,
}
INTRO_VALID_FOR = timedelta(days=3)  # an introduction later than this is no use
# Shown with `_()` (the settings form's day choice).
WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
MAX_PAUSE = timedelta(days=366)


# ---- settings -----------------------------------------------------------------------------------


def settings_of(session: Session, community: Community) -> PairingSettings | None:
    return session.get(PairingSettings, community.id)


def defaults(community: Community, now: datetime) -> PairingSettings:
    """Unsaved settings with every default (rounds off until a facilitator saves them)."""
    return PairingSettings(
        community_id=community.id,
        enabled=False,
        weekday=0,
        local_time="09:00",
        recency_weeks=12,
        weight_organisation=20.0,
        weight_hours=4.0,
        weight_lived_experience=3.0,
        weight_theme=2.0,
        weight_org_size=1.0,
        weight_role_level=1.0,
        blend=matching.Blend.MIX.value,
        updated_at=now,
    )


def effective(session: Session, community: Community, now: datetime) -> PairingSettings:
    return settings_of(session, community) or defaults(community, now)


def weights_of(settings: PairingSettings) -> matching.Weights:
    return matching.Weights(
        different_organisation=settings.weight_organisation,
        working_hours=settings.weight_hours,
        lived_experience=settings.weight_lived_experience,
        shared_theme=settings.weight_theme,
        org_size=settings.weight_org_size,
        role_level=settings.weight_role_level,
        blend=matching.Blend(settings.blend),
        recency_days=settings.recency_weeks * 7,
    )


@dataclass(frozen=True)
class SettingsDraft:
    enabled: bool
    weekday: int
    local_time: str
    recency_weeks: int
    blend: str
    weights: dict[str, float]


WEIGHT_FIELDS = (
    "weight_organisation",
    "weight_hours",
    "weight_lived_experience",
    "weight_theme",
    "weight_org_size",
    "weight_role_level",
)


def save_settings(
    session: Session, community: Community, draft: SettingsDraft, now: datetime
) -> pairing_plan.NextRound | None:
    """Store checked settings and replan the next round; returns it (None: off)."""
    row = settings_of(session, community)
    if row is None:
        row = defaults(community, now)
        session.add(row)
    row.enabled = draft.enabled
    row.weekday = draft.weekday
    row.local_time = draft.local_time
    row.recency_weeks = draft.recency_weeks
    row.blend = draft.blend
    for name in WEIGHT_FIELDS:
        setattr(row, name, draft.weights[name])
    row.updated_at = now
    session.flush()
    pairing_plan.plan_community(session, community, row, now)
    return pairing_plan.next_round(session, community, now)


# ---- members' choices ---------------------------------------------------------------------------


def preference(session: Session, member: Member, now: datetime) -> PairingPreference:
    row = session.get(PairingPreference, member.id)
    if row is None:
        row = PairingPreference(member_id=member.id, skip_next=False, updated_at=now)
        session.add(row)
        session.flush()
    return row


def pause(session: Session, member: Member, until: datetime, now: datetime) -> None:
    if until <= now:
        raise UserError(_("That date has already passed. Try `pair pause 4w` or a future date."))
    if until - now > MAX_PAUSE:
        raise UserError(_("Pauses can last up to a year. Choose a nearer date."))
    row = preference(session, member, now)
    row.paused_until, row.updated_at = until, now


def resume(session: Session, member: Member, now: datetime) -> bool:
    """End a pause or a skip; False if there was nothing to resume."""
    row = session.get(PairingPreference, member.id)
    was_paused = row is not None and (
        (row.paused_until is not None and row.paused_until > now) or row.skip_next
    )
    if row is not None:
        row.paused_until, row.skip_next, row.updated_at = None, False, now
    return was_paused


def skip_next(session: Session, member: Member, now: datetime) -> None:
    row = preference(session, member, now)
    row.skip_next, row.updated_at = True, now


def set_cadence(member: Member, cadence: PairingCadence, now: datetime) -> None:
    member.pairing_cadence = cadence.value
    member.updated_at = now


def avoid(session: Session, member: Member, other: Member, now: datetime) -> bool:
    """Never pair `member` with `other`; False if already so. Private to `member`."""
    if other.id == member.id:
        raise UserError(_("You can't avoid yourself. Mention someone else."))
    if session.get(PairingAvoid, (member.id, other.id)) is not None:
        return False
    session.add(PairingAvoid(member_id=member.id, avoided_member_id=other.id, created_at=now))
    session.flush()
    return True


def unavoid(session: Session, member: Member, other: Member) -> bool:
    found = session.get(PairingAvoid, (member.id, other.id))
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return True


# ---- who takes part ---------------------------------------------------------------------------


def _last_round_number(session: Session, community: Community) -> int:
    top = session.scalar(
        select(func.max(PairingRound.number)).where(PairingRound.community_id == community.id)
    )
    return int(top or 0)


def next_round_number(session: Session, community: Community) -> int:
    return _last_round_number(session, community) + 1


def _last_taken_part(session: Session, community: Community) -> dict[int, int]:
    """Each member's latest round number."""
    rows = session.execute(
        select(PairingGroupMember.member_id, func.max(PairingRound.number))
        .join(PairingGroup, PairingGroup.id == PairingGroupMember.group_id)
        .join(PairingRound, PairingRound.id == PairingGroup.round_id)
        .where(PairingRound.community_id == community.id)
        .group_by(PairingGroupMember.member_id)
    ).all()
    return {int(member_id): int(number) for member_id, number in rows}


def participants(session: Session, community: Community, at: datetime) -> list[Member]:
    """Who takes part in a round at `at`: active, not "not now", not paused or skipping, and
    due by their cadence (fortnightly: every second round they could join, monthly: fourth).
    """
    return _select(session, community, at)[0]


def _select(session: Session, community: Community, at: datetime) -> tuple[list[Member], list[int]]:
    """(participants, members who were due but asked to skip this round)."""
    members = session.scalars(
        select(Member)
        .where(
            Member.community_id == community.id,
            Member.status == MemberStatus.ACTIVE.value,
            Member.pairing_cadence.in_(list(CADENCE_EVERY)),
            not_paused(at),  # a member's pause (core.care) leaves them out of rounds
        )
        .order_by(Member.id)
    ).all()
    prefs = {
        p.member_id: p
        for p in session.scalars(
            select(PairingPreference).where(
                PairingPreference.member_id.in_([m.id for m in members])
            )
        )
    }
    upcoming = _last_round_number(session, community) + 1
    last = _last_taken_part(session, community)
    chosen: list[Member] = []
    skipping: list[int] = []
    for member in members:
        pref = prefs.get(member.id)
        if pref is not None and pref.paused_until is not None and pref.paused_until > at:
            continue
        every = CADENCE_EVERY[member.pairing_cadence]
        previous = last.get(member.id)
        if previous is not None and upcoming - previous < every:
            continue  # not due: a skip waits for the round they would have been in
        if pref is not None and pref.skip_next:
            skipping.append(member.id)
            continue
        chosen.append(member)
    return chosen, skipping


def _offset_minutes(zone: str, at: datetime) -> int:
    try:
        offset = at.astimezone(ZoneInfo(zone)).utcoffset()
    except (KeyError, ValueError):
        offset = None
    return int(offset.total_seconds() // 60) if offset is not None else 0


def _history(
    session: Session, community: Community, at: datetime, window: timedelta
) -> matching.History:
    """Days since each pair last met (a group that answered "we couldn't" didn't meet)."""
    rows = session.execute(
        select(PairingGroupMember.group_id, PairingGroupMember.member_id, PairingRound.started_at)
        .join(PairingGroup, PairingGroup.id == PairingGroupMember.group_id)
        .join(PairingRound, PairingRound.id == PairingGroup.round_id)
        .where(
            PairingRound.community_id == community.id,
            PairingRound.started_at > at - window,
            PairingGroup.outcome != Outcome.COULDNT.value,
        )
    ).all()
    groups: dict[int, tuple[list[int], datetime]] = {}
    for group_id, member_id, started in rows:
        groups.setdefault(int(group_id), ([], started))[0].append(int(member_id))
    days: dict[tuple[int, int], int] = {}
    for members, started in groups.values():
        age = max(0, (at - started).days)
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                key = matching.pair_key(a, b)
                days[key] = min(days.get(key, age), age)
    return matching.History(days)


def _left_over_last_round(session: Session, community: Community) -> set[int]:
    latest = session.scalar(
        select(PairingRound.id)
        .where(PairingRound.community_id == community.id)
        .order_by(PairingRound.number.desc())
        .limit(1)
    )
    if latest is None:
        return set()
    return set(
        session.scalars(
            select(PairingGroupMember.member_id)
            .join(PairingGroup, PairingGroup.id == PairingGroupMember.group_id)
            .where(PairingGroup.round_id == latest, PairingGroupMember.third.is_(True))
        )
    )


def candidates(
    session: Session, community: Community, members: Sequence[Member], at: datetime
) -> list[matching.Candidate]:
    ids = [m.id for m in members]
    avoids: dict[int, set[int]] = defaultdict(set)
    for who, whom in session.execute(
        select(PairingAvoid.member_id, PairingAvoid.avoided_member_id).where(
            PairingAvoid.member_id.in_(ids)
        )
    ):
        avoids[int(who)].add(int(whom))
    thirds = _left_over_last_round(session, community)
    return [
        matching.Candidate(
            id=m.id,
            organisation=m.organisation,
            languages=frozenset(m.languages),
            utc_offset_minutes=_offset_minutes(m.timezone, at),
            lived_experience=bool(m.lived_experience_match),
            themes=frozenset(m.themes),
            org_size=m.org_size,
            role_level=m.role_level,
            avoid=frozenset(avoids.get(m.id, ())),
            left_over_last_round=m.id in thirds,
        )
        for m in members
    ]


# ---- rounds -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A matching with the people in it: what a round would do (preview) or did."""

    members: dict[int, Member]
    result: matching.Matching
    history: matching.History  # pairs that met within the recency window

    @property
    def participants(self) -> int:
        return len(self.members)

    def cross_organisation(self) -> int:
        return sum(
            1
            for group in self.result.groups
            if len({self.members[i].organisation.strip().casefold() for i in group}) == len(group)
        )


def plan(
    session: Session,
    community: Community,
    at: datetime,
    seed: int = 0,
    members: Sequence[Member] | None = None,
) -> Plan:
    """Who would be paired at `at` (nothing is stored); `members`: the participants, when
    the caller has them already."""
    if members is None:
        members = participants(session, community, at)
    found = candidates(session, community, members, at)
    weights, history = weights_and_history(session, community, at)
    result = matching.match(found, history, weights, random.Random(seed))  # noqa: S311
    return Plan({m.id: m for m in members}, result, history)


def weights_and_history(
    session: Session, community: Community, at: datetime
) -> tuple[matching.Weights, matching.History]:
    """The community's matching weights, and who met whom within its recency window."""
    weights = weights_of(effective(session, community, at))
    return weights, _history(session, community, at, timedelta(days=weights.recency_days))


def _openers(session: Session, member_ids: Sequence[int]) -> dict[int, int]:
    """The latest group each member opened (group ids grow with time)."""
    rows = session.execute(
        select(PairingGroup.opener_member_id, func.max(PairingGroup.id))
        .where(PairingGroup.opener_member_id.in_(member_ids))
        .group_by(PairingGroup.opener_member_id)
    ).all()
    return {int(member_id): int(group_id) for member_id, group_id in rows if member_id}


@dataclass(frozen=True)
class RoundResult:
    round: PairingRound | None
    plan: Plan


def run_round(
    session: Session, community: Community, at: datetime, now: datetime, *, manual: bool
) -> RoundResult:
    """Match, store the round and its groups, queue the introductions and the check-in."""
    number = _last_round_number(session, community) + 1
    due, skipped = _select(session, community, at)  # before this round changes "due"
    found = plan(session, community, at, seed=community.id * 100_003 + number, members=due)
    if found.participants < 2:
        return RoundResult(None, found)
    pairing_round = PairingRound(
        community_id=community.id,
        number=number,
        started_at=at,
        manual=manual,
        participants=found.participants,
        unplaced=len(found.result.unplaced),
    )
    session.add(pairing_round)
    session.flush()
    grouped = [[found.members[i] for i in group_ids] for group_ids in found.result.groups]
    stored = add_groups(session, pairing_round, grouped, now, found.history)
    messages = [
        intro_message(group, members, max(at, now))
        for group, members in zip(stored, grouped, strict=True)
    ]
    for member_id, _reason in found.result.unplaced:
        member = found.members[member_id]
        # In the member's language, never the facilitator's who may be running the round.
        with i18n.speaking(member.speaks):
            note = pairing_notices.unplaced(at, member)
        messages.append(
            outbox.Outgoing(
                key=f"pairing_unplaced:{pairing_round.id}:m{member.id}",
                kind="pairing_unplaced",
                recipient=member.platform_user_id,
                message=note,
                due_at=now,
                expires_at=now + INTRO_VALID_FOR,
                member_id=member.id,
            )
        )
    # A skip is for one round: the one the member would have been in. A fortnightly or
    # monthly member's skip waits for their round, so it is used up only if they were due.
    if skipped:
        session.execute(
            update(PairingPreference)
            .where(
                PairingPreference.skip_next.is_(True),
                PairingPreference.member_id.in_(skipped),
            )
            .values(skip_next=False, updated_at=now)
        )
    outbox.enqueue(session, community.id, messages, now)
    pairing_plan.checkin_item(session, community, pairing_round.id, at)
    session.flush()
    return RoundResult(pairing_round, found)


def add_groups(
    session: Session,
    pairing_round: PairingRound,
    groups: Sequence[Sequence[Member]],
    now: datetime,
    history: matching.History | None = None,
) -> list[PairingGroup]:
    """Store groups (a third member, for odd numbers, is the last of a group); whoever
    opened least recently (or never) opens this time; a group with a pair in `history`
    is marked as a repeat. A few statements for the whole round, not a few per group."""
    opened = _openers(session, [m.id for members in groups for m in members])
    met = history.days_since_met if history is not None else {}
    stored: list[PairingGroup] = []
    for members in groups:
        # Never opened first, then whoever opened longest ago.
        opener = min(members, key=lambda m: (opened.get(m.id, 0), m.id))
        orgs = {m.organisation.strip().casefold() for m in members}
        stored.append(
            PairingGroup(
                round_id=pairing_round.id,
                community_id=pairing_round.community_id,
                size=len(members),
                cross_organisation=len(orgs) == len(members),
                repeat=any(
                    matching.pair_key(a.id, b.id) in met
                    for i, a in enumerate(members)
                    for b in members[i + 1 :]
                ),
                outcome=Outcome.OPEN.value,
                opener_member_id=opener.id,
                created_at=now,
            )
        )
    session.add_all(stored)
    session.flush()  # one batched INSERT … RETURNING for the ids
    session.add_all(
        PairingGroupMember(
            group_id=group.id, member_id=m.id, third=len(members) == 3 and m is members[2]
        )
        for group, members in zip(stored, groups, strict=True)
        for m in members
    )
    session.flush()
    return stored


def intro_message(
    group: PairingGroup, members: Sequence[Member], starts: datetime
) -> outbox.Outgoing:
    opener = next((m for m in members if m.id == group.opener_member_id), None)
    # One group DM that everyone in the pair (or three) reads: in the language they share,
    # or, when they speak different ones, the first member's (see
    # `core.models.group_language`). Never the language of the request that runs the
    # round (a facilitator's `pairing run`).
    with i18n.speaking(group_language(members)):
        message = pairing_notices.intro(group.id, members, opener)
    return outbox.Outgoing(
        key=f"pairing_intro:{group.id}",
        kind="pairing_intro",
        # A group DM: Slack's sender opens it with conversations.open(users=...).
        recipient=",".join(m.platform_user_id for m in members),
        message=message,
        due_at=starts,
        expires_at=starts + INTRO_VALID_FOR,
    )


def round_by_id(session: Session, round_id: int) -> PairingRound | None:
    return session.get(PairingRound, round_id)


def latest_round(session: Session, community: Community) -> PairingRound | None:
    return session.scalars(
        select(PairingRound)
        .where(PairingRound.community_id == community.id)
        .order_by(PairingRound.number.desc())
        .limit(1)
    ).first()


def group_members(session: Session, group: PairingGroup) -> list[Member]:
    return list(
        session.scalars(
            select(Member)
            .join(PairingGroupMember, PairingGroupMember.member_id == Member.id)
            .where(PairingGroupMember.group_id == group.id)
            .order_by(PairingGroupMember.third, Member.id)
        )
    )


def current_group(
    session: Session, member: Member
) -> tuple[PairingRound, PairingGroup, list[Member]] | None:
    """The member's group in their community's latest round, with its other members."""
    community = session.get(Community, member.community_id)
    latest = latest_round(session, community) if community is not None else None
    if latest is None:
        return None
    group = session.scalars(
        select(PairingGroup)
        .join(PairingGroupMember, PairingGroupMember.group_id == PairingGroup.id)
        .where(PairingGroup.round_id == latest.id, PairingGroupMember.member_id == member.id)
        .order_by(PairingGroup.id.desc())
    ).first()
    if group is None:
        return None
    others = [m for m in group_members(session, group) if m.id != member.id]
    return latest, group, others


# ---- answers ----------------------------------------------------------------------------------


def group_for(session: Session, member: Member, group_id: int) -> PairingGroup:
    """The member's own group (a button's value never reaches someone else's)."""
    group = session.get(PairingGroup, group_id)
    if group is None or session.get(PairingGroupMember, (group_id, member.id)) is None:
        raise UserError(_("That pairing is no longer yours to answer for."))
    return group


def answer(
    session: Session, member: Member, group_id: int, outcome: Outcome, now: datetime
) -> PairingGroup:
    """Record what happened; "we met" is final (a later "not yet" from the check-in can't
    undo it)."""
    group = group_for(session, member, group_id)
    if group.outcome == Outcome.MET.value and outcome in (Outcome.NOT_YET, Outcome.BOOKED):
        return group
    group.outcome, group.outcome_at = outcome.value, now
    session.flush()
    return group


# ---- during the round -------------------------------------------------------------------------


def unanswered_groups(session: Session, round_id: int) -> list[PairingGroup]:
    return list(
        session.scalars(
            select(PairingGroup)
            .where(
                PairingGroup.round_id == round_id,
                PairingGroup.outcome.in_(
                    [Outcome.OPEN.value, Outcome.BOOKED.value, Outcome.NOT_YET.value]
                ),
            )
            .order_by(PairingGroup.id)
        )
    )


def unanswered_with_members(
    session: Session, round_id: int
) -> list[tuple[PairingGroup, list[Member]]]:
    """`unanswered_groups` with each group's members (a third member last), in two queries
    however many groups the round has."""
    groups = unanswered_groups(session, round_id)
    members: dict[int, list[Member]] = defaultdict(list)
    if groups:
        rows = session.execute(
            select(PairingGroupMember.group_id, Member)
            .join(Member, Member.id == PairingGroupMember.member_id)
            .where(PairingGroupMember.group_id.in_([g.id for g in groups]))
            .order_by(PairingGroupMember.third, Member.id)
        )
        for group_id, member in rows:
            members[int(group_id)].append(member)
    return [(group, members.get(group.id, [])) for group in groups]


def active(members: Sequence[Member]) -> list[Member]:
    return [m for m in members if m.status == MemberStatus.ACTIVE.value]


# ---- numbers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundNumbers:
    number: int
    started_at: datetime
    participants: int
    groups: int
    trios: int
    met: int
    booked: int
    couldnt: int
    cross_organisation: int
    repeats: int
    unplaced: int


def round_numbers(session: Session, pairing_round: PairingRound) -> RoundNumbers:
    groups = session.scalars(
        select(PairingGroup).where(PairingGroup.round_id == pairing_round.id)
    ).all()
    return RoundNumbers(
        number=pairing_round.number,
        started_at=pairing_round.started_at,
        participants=pairing_round.participants,
        groups=len(groups),
        trios=sum(1 for g in groups if g.size == 3),
        met=sum(1 for g in groups if g.outcome == Outcome.MET.value),
        booked=sum(1 for g in groups if g.outcome == Outcome.BOOKED.value),
        couldnt=sum(1 for g in groups if g.outcome == Outcome.COULDNT.value),
        cross_organisation=sum(1 for g in groups if g.cross_organisation),
        repeats=sum(1 for g in groups if g.repeat),
        unplaced=pairing_round.unplaced,
    )


def stats(session: Session, community: Community, last: int = 6) -> list[RoundNumbers]:
    """The latest rounds' numbers, newest first (anonymous: they survive `forget-me`)."""
    rounds = session.scalars(
        select(PairingRound)
        .where(PairingRound.community_id == community.id)
        .order_by(PairingRound.number.desc())
        .limit(last)
    ).all()
    return [round_numbers(session, r) for r in rounds]


def personal_data(session: Session, member: Member) -> dict[str, Any]:
    """For `my-data`: pause, skip, whom you asked to avoid (only you see it), your rounds."""
    pref = session.get(PairingPreference, member.id)
    avoided = session.scalars(
        select(Member.display_name)
        .join(PairingAvoid, PairingAvoid.avoided_member_id == Member.id)
        .where(PairingAvoid.member_id == member.id)
        .order_by(Member.display_name)
    ).all()
    rounds = session.execute(
        select(PairingRound.number, PairingRound.started_at, PairingGroup.outcome)
        .join(PairingGroup, PairingGroup.round_id == PairingRound.id)
        .join(PairingGroupMember, PairingGroupMember.group_id == PairingGroup.id)
        .where(PairingGroupMember.member_id == member.id)
        .order_by(PairingRound.number)
    ).all()
    paused = pref.paused_until if pref is not None else None
    return {
        "paused_until": paused.isoformat() if paused else None,
        "skip_next_round": bool(pref.skip_next) if pref is not None else False,
        "never_pair_me_with": list(avoided),
        "rounds": [
            {"number": number, "started_at": started.isoformat(), "outcome": outcome}
            for number, started, outcome in rounds
        ],
    }
