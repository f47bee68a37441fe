"""Forming action learning sets, and who is in them.

Who wants a set (`SetInterest`), a facilitator's preview of a cycle (rows with status
`PREVIEW`, so moves and swaps survive a restart and nothing is sent), confirming it (turns,
advisers, a welcome per set through the outbox), and the changes during a cycle: a late
joiner, a leaver (the set is told there is a space; facilitators are told when a set falls
below the minimum), a merge, closing a cycle early.

Services take the session (the caller owns the transaction) and an explicit `now`. The
partition itself is `core.sets.matching` (pure); this module feeds it from the database.
Private preferences (lived experience, avoid-lists) only ever become matcher input: a
refusal says which rule a move breaks, never whose preference it is.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from core import i18n, ui
from core.delivery import outbox, recipients
from core.delivery.models import OutboxMessage, OutboxStatus
from core.errors import InvalidInput, UserError
from core.i18n import t
from core.models import Community, Member, MemberStatus, Role, group_language
from core.pairing.models import PairingAvoid
from core.sets import matching, meetings, names, notices
from core.sets.models import (
    CycleStatus,
    LearningSet,
    MeetingStatus,
    SetCycle,
    SetInterest,
    SetMeeting,
    SetMembership,
    SetStatus,
    SetWaiting,
    SpaceKind,
)

# Outbox kinds. Messages to a set's space record where they landed (`message_sent`).
WELCOME_KIND = "sets_welcome"
NOTE_KIND = "sets_note"  # someone joined or left, a merge, a cycle closed early
PERSON_KIND = "sets_person"  # to one member: placed late, on the waiting list
FACILITATORS_KIND = "sets_facilitators"  # a set below the minimum
SPACE_KINDS = frozenset({WELCOME_KIND, NOTE_KIND})

MAX_MEETINGS = 24
MAX_RHYTHM_WEEKS = 12
MIN_MEETING_MINUTES, MAX_MEETING_MINUTES = 30, 480


# ---- interest ------------------------------------------------------------------------------------


def wants_a_set(session: Session, member: Member) -> bool:
    return session.get(SetInterest, member.id) is not None


def set_interest(session: Session, member: Member, wanted: bool, now: datetime) -> bool:
    """Record (or withdraw) the wish to join a set; False when nothing changed."""
    row = session.get(SetInterest, member.id)
    if wanted and row is None:
        session.add(SetInterest(member_id=member.id, community_id=member.community_id, since=now))
        session.flush()
        return True
    if not wanted and row is not None:
        session.delete(row)
        session.flush()
        return True
    return False


def interested_members(session: Session, community: Community) -> list[Member]:
    """Active members who want a set, oldest wish first."""
    return list(
        session.scalars(
            select(Member)
            .join(SetInterest, SetInterest.member_id == Member.id)
            .where(
                SetInterest.community_id == community.id,
                Member.status == MemberStatus.ACTIVE.value,
            )
            .order_by(SetInterest.since, Member.id)
        )
    )


def interest_count(session: Session, community: Community) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(SetInterest)
            .join(Member, Member.id == SetInterest.member_id)
            .where(
                SetInterest.community_id == community.id,
                Member.status == MemberStatus.ACTIVE.value,
            )
        )
        or 0
    )


# ---- cycles and sets -----------------------------------------------------------------------------


def cycle_with(session: Session, community: Community, status: CycleStatus) -> SetCycle | None:
    return session.scalars(
        select(SetCycle)
        .where(SetCycle.community_id == community.id, SetCycle.status == status.value)
        .order_by(SetCycle.number.desc())
        .limit(1)
    ).first()


def active_cycle(session: Session, community: Community) -> SetCycle | None:
    return cycle_with(session, community, CycleStatus.ACTIVE)


def preview_cycle(session: Session, community: Community) -> SetCycle | None:
    return cycle_with(session, community, CycleStatus.PREVIEW)


def sets_of(session: Session, cycle: SetCycle, *, active_only: bool = True) -> list[LearningSet]:
    query = select(LearningSet).where(LearningSet.cycle_id == cycle.id)
    if active_only:
        query = query.where(LearningSet.status == SetStatus.ACTIVE.value)
    return list(session.scalars(query.order_by(LearningSet.number)))


def members_by_set(session: Session, set_ids: Collection[int]) -> dict[int, list[Member]]:
    """Each set's members in presenter order (one query however many sets)."""
    found: dict[int, list[Member]] = defaultdict(list)
    if set_ids:
        rows = session.execute(
            select(SetMembership.set_id, Member)
            .join(Member, Member.id == SetMembership.member_id)
            .where(SetMembership.set_id.in_(list(set_ids)))
            .order_by(SetMembership.set_id, SetMembership.turn, Member.id)
        )
        for set_id, member in rows:
            found[int(set_id)].append(member)
    return found


def set_members(session: Session, learning_set: LearningSet) -> list[Member]:
    return members_by_set(session, [learning_set.id]).get(learning_set.id, [])


def set_numbered(session: Session, cycle: SetCycle, number: int) -> LearningSet | None:
    return session.scalars(
        select(LearningSet).where(
            LearningSet.cycle_id == cycle.id,
            LearningSet.number == number,
            LearningSet.status == SetStatus.ACTIVE.value,
        )
    ).first()


def current_set(session: Session, member: Member) -> LearningSet | None:
    """The member's set in their community's active cycle."""
    return session.scalars(
        select(LearningSet)
        .join(SetMembership, SetMembership.set_id == LearningSet.id)
        .join(SetCycle, SetCycle.id == LearningSet.cycle_id)
        .where(
            SetMembership.member_id == member.id,
            SetCycle.status == CycleStatus.ACTIVE.value,
            LearningSet.status == SetStatus.ACTIVE.value,
        )
    ).first()


def space_recipient(cycle: SetCycle, learning_set: LearningSet, user_ids: Sequence[str]) -> str:
    """Where a message to the whole set goes: its private space (created or found by name,
    inviting whoever is not in it yet), or a group DM of its members."""
    if cycle.space_kind == SpaceKind.CHANNEL.value:
        return recipients.private_space(learning_set.name, user_ids)
    return ",".join(user_ids)


def _space_users(
    session: Session, learning_set: LearningSet, members: Sequence[Member]
) -> list[str]:
    users = [m.platform_user_id for m in members]
    if learning_set.adviser_member_id is not None:
        adviser = session.get(Member, learning_set.adviser_member_id)
        if adviser is not None and adviser.is_active and adviser.platform_user_id not in users:
            users.append(adviser.platform_user_id)
    return users


def _to_set(
    session: Session,
    cycle: SetCycle,
    learning_set: LearningSet,
    members: Sequence[Member],
    key: str,
    build: Callable[[], ui.Message],
    now: datetime,
    kind: str = NOTE_KIND,
) -> outbox.Outgoing | None:
    """One message to the whole set, built in the set's language; None for an empty set."""
    if not members:
        return None
    with i18n.speaking(group_language(members)):
        message = build()
    return outbox.Outgoing(
        key=key,
        kind=kind,
        recipient=space_recipient(
            cycle, learning_set, _space_users(session, learning_set, members)
        ),
        message=message,
        due_at=now,
    )


# ---- forming: the matcher's input ----------------------------------------------------------------


@dataclass(frozen=True)
class FormChoices:
    """What the facilitator chose in the forming form."""

    min_size: int = 4
    max_size: int = 6
    grouping: str = matching.Grouping.SAME_BAND.value
    meetings: int = 6
    rhythm_weeks: int = 4
    meeting_minutes: int = 120
    space_kind: str = SpaceKind.CHANNEL.value
    advised: bool = False


GROUP_DM_MOST = 8


def check_choices(choices: FormChoices) -> FormChoices:
    """The choices, or InvalidInput keyed by the form's field names."""
    errors: dict[str, str] = {}
    if not 2 <= choices.min_size <= matching.MAX_SET_SIZE:
        errors["min_size"] = t(
            "Choose a smallest size from 2 to {most}.", most=i18n.number(matching.MAX_SET_SIZE)
        )
    if not 2 <= choices.max_size <= matching.MAX_SET_SIZE:
        errors["max_size"] = t(
            "Choose a largest size from 2 to {most}.", most=i18n.number(matching.MAX_SET_SIZE)
        )
    elif choices.max_size < choices.min_size:
        errors["max_size"] = t("The largest size can't be smaller than the smallest.")
    if choices.grouping not in {g.value for g in matching.Grouping}:
        errors["grouping"] = t("Choose how to group people.")
    if not 1 <= choices.meetings <= MAX_MEETINGS:
        errors["meetings"] = t("Choose from 1 to {most} meetings.", most=i18n.number(MAX_MEETINGS))
    if not 1 <= choices.rhythm_weeks <= MAX_RHYTHM_WEEKS:
        errors["rhythm_weeks"] = t(
            "Choose every 1 to {most} weeks.", most=i18n.number(MAX_RHYTHM_WEEKS)
        )
    if not MIN_MEETING_MINUTES <= choices.meeting_minutes <= MAX_MEETING_MINUTES:
        errors["meeting_minutes"] = t(
            "Choose from {least} to {most} minutes.",
            least=i18n.number(MIN_MEETING_MINUTES),
            most=i18n.number(MAX_MEETING_MINUTES),
        )
    if choices.space_kind not in {k.value for k in SpaceKind}:
        errors["space_kind"] = t("Choose a private channel or a group DM.")
    elif (
        choices.space_kind == SpaceKind.GROUP_DM.value
        and "max_size" not in errors
        and choices.max_size + int(choices.advised) > GROUP_DM_MOST
    ):
        # Slack's group DMs hold at most eight people (and the bot).
        errors["space_kind"] = t(
            "A group DM holds at most {most} people, adviser included: choose private "
            "channels, or a smaller largest size.",
            most=i18n.number(GROUP_DM_MOST),
        )
    if errors:
        raise InvalidInput(errors)
    return choices


def choices_of(cycle: SetCycle) -> FormChoices:
    return FormChoices(
        min_size=cycle.min_size,
        max_size=cycle.max_size,
        grouping=cycle.grouping,
        meetings=cycle.meetings,
        rhythm_weeks=cycle.rhythm_weeks,
        meeting_minutes=cycle.meeting_minutes,
        space_kind=cycle.space_kind,
        advised=cycle.advised,
    )


def _size(cycle: SetCycle) -> matching.SetSize:
    return matching.SetSize(minimum=cycle.min_size, maximum=cycle.max_size)


def _weights(cycle: SetCycle) -> matching.SetWeights:
    return matching.SetWeights(grouping=matching.Grouping(cycle.grouping))


def _timezone(member: Member, community: Community) -> str:
    for zone in (member.timezone, community.timezone):
        try:
            ZoneInfo(zone)
        except (KeyError, ValueError):
            continue
        return zone
    return "Europe/London"  # untranslated: an IANA timezone


def _avoid_lists(session: Session, member_ids: Collection[int]) -> dict[int, frozenset[int]]:
    """Peer coaching's avoid-list applies to sets too (private: matcher input only)."""
    found: dict[int, set[int]] = defaultdict(set)
    if member_ids:
        for who, whom in session.execute(
            select(PairingAvoid.member_id, PairingAvoid.avoided_member_id).where(
                PairingAvoid.member_id.in_(list(member_ids))
            )
        ):
            found[int(who)].add(int(whom))
    return {who: frozenset(whom) for who, whom in found.items()}


def candidates(
    session: Session, community: Community, members: Sequence[Member]
) -> list[matching.Candidate]:
    avoids = _avoid_lists(session, [m.id for m in members])
    return [
        matching.Candidate(
            id=m.id,
            organisation=m.organisation,
            languages=frozenset(m.languages),
            timezone=_timezone(m, community),
            org_size=m.org_size or "",
            role_level=m.role_level or "",
            themes=frozenset(m.themes),
            lived_experience=bool(m.lived_experience_match),
            facilitator=m.is_facilitator,
            avoid=avoids.get(m.id, frozenset()),
        )
        for m in members
    ]


def _history(session: Session, community: Community, before: int) -> matching.History:
    """Who was in which set in the latest confirmed cycle before cycle number `before`."""
    previous = session.scalars(
        select(SetCycle)
        .where(
            SetCycle.community_id == community.id,
            SetCycle.number < before,
            SetCycle.status.in_([CycleStatus.ACTIVE.value, CycleStatus.CLOSED.value]),
        )
        .order_by(SetCycle.number.desc())
        .limit(1)
    ).first()
    if previous is None:
        return matching.History()
    rows = session.execute(
        select(SetMembership.member_id, SetMembership.set_id)
        .join(LearningSet, LearningSet.id == SetMembership.set_id)
        .where(LearningSet.cycle_id == previous.id)
    ).all()
    return matching.History({int(member_id): int(set_id) for member_id, set_id in rows})


# ---- forming: the preview ------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewSet:
    row: LearningSet
    members: list[Member]
    formed: matching.FormedSet


@dataclass(frozen=True)
class CycleView:
    """A cycle's sets with their warnings and the run's quality, recomputed from the rows."""

    cycle: SetCycle
    sets: list[PreviewSet]
    waiting: list[tuple[Member, str]]  # and the reason code
    quality: matching.Quality


def form_preview(
    session: Session,
    community: Community,
    choices: FormChoices,
    by: Member | None,
    now: datetime,
) -> CycleView:
    """Store a preview cycle from everyone who wants a set (nothing is sent). A preview
    not yet confirmed is replaced; an active cycle must be closed first."""
    check_choices(choices)
    if active_cycle(session, community) is not None:
        raise UserError(
            t(
                "A cycle is already running. Close it first with `sets close`, or add "
                "someone to it with `sets add @someone`."
            )
        )
    people = interested_members(session, community)
    if len(people) < choices.min_size:
        raise UserError(
            i18n.tn(
                "Only {n} member wants a set so far; a set needs at least {minimum}. Members "
                "say so with `set join` or in their profile.",
                "Only {n} members want a set so far; a set needs at least {minimum}. Members "
                "say so with `set join` or in their profile.",
                len(people),
                minimum=i18n.number(choices.min_size),
            )
        )
    discard_preview(session, community)
    number = (
        int(
            session.scalar(
                select(func.max(SetCycle.number)).where(SetCycle.community_id == community.id)
            )
            or 0
        )
        + 1
    )
    cycle = SetCycle(
        community_id=community.id,
        number=number,
        status=CycleStatus.PREVIEW.value,
        min_size=choices.min_size,
        max_size=choices.max_size,
        grouping=choices.grouping,
        meetings=choices.meetings,
        rhythm_weeks=choices.rhythm_weeks,
        meeting_minutes=choices.meeting_minutes,
        space_kind=choices.space_kind,
        advised=choices.advised,
        seed=community.id * 100_003 + number,
        created_by_member_id=by.id if by is not None else None,
        created_at=now,
    )
    session.add(cycle)
    session.flush()
    formation = matching.form_sets(
        candidates(session, community, people),
        now.date(),
        _size(cycle),
        _weights(cycle),
        _history(session, community, number),
        random.Random(cycle.seed),  # noqa: S311 (not security: a reproducible order)
    )
    taken = set(
        session.scalars(select(LearningSet.name).where(LearningSet.community_id == community.id))
    )
    set_names = names.set_names(len(formation.sets), taken, number)
    rows = [
        LearningSet(
            cycle_id=cycle.id,
            community_id=community.id,
            number=k,
            name=name,
            status=SetStatus.ACTIVE.value,
            created_at=now,
        )
        for k, name in enumerate(set_names, start=1)
    ]
    session.add_all(rows)
    session.flush()
    session.add_all(
        SetMembership(set_id=row.id, member_id=member_id, turn=turn, joined_at=now)
        for row, formed in zip(rows, formation.sets, strict=True)
        for turn, member_id in enumerate(formed.members)
    )
    session.add_all(
        SetWaiting(cycle_id=cycle.id, member_id=member_id, reason=reason.value, since=now)
        for member_id, reason in formation.unplaced
    )
    session.flush()
    return view(session, community, cycle, now.date())


def _groups(session: Session, cycle: SetCycle) -> tuple[list[LearningSet], dict[int, list[Member]]]:
    rows = sets_of(session, cycle)
    return rows, members_by_set(session, [r.id for r in rows])


def _waiting(session: Session, cycle: SetCycle) -> list[tuple[Member, str]]:
    return [
        (member, str(reason))
        for member, reason in session.execute(
            select(Member, SetWaiting.reason)
            .join(SetWaiting, SetWaiting.member_id == Member.id)
            .where(SetWaiting.cycle_id == cycle.id)
            .order_by(SetWaiting.since, Member.id)
        ).all()
    ]


def _assess(
    session: Session,
    community: Community,
    cycle: SetCycle,
    groups: Sequence[Sequence[Member]],
    on: date,
) -> tuple[tuple[matching.FormedSet, ...], matching.Quality]:
    people = [m for g in groups for m in g]
    return matching.assess(
        [[m.id for m in g] for g in groups],
        candidates(session, community, people),
        on,
        _size(cycle),
        _weights(cycle),
        _history(session, community, cycle.number),
    )


def view(session: Session, community: Community, cycle: SetCycle, on: date) -> CycleView:
    rows, members = _groups(session, cycle)
    groups = [members.get(r.id, []) for r in rows]
    formed, quality = _assess(session, community, cycle, groups, on)
    return CycleView(
        cycle=cycle,
        sets=[
            PreviewSet(row, group, f) for row, group, f in zip(rows, groups, formed, strict=True)
        ],
        waiting=_waiting(session, cycle),
        quality=quality,
    )


def _require_preview(session: Session, community: Community) -> SetCycle:
    cycle = preview_cycle(session, community)
    if cycle is None:
        raise UserError(t("There's no preview to change. Type `sets form` to make one."))
    return cycle


def _hard(formed: matching.FormedSet) -> list[str]:
    return [w.value for w in formed.warnings if w in matching.HARD_WARNINGS]


# A refused change says which rule it would break and what to do, never whose private
# preference it is. Shown with `_()`; {set} is the set it would happen in.
REFUSALS = {
    matching.SetWarning.SAME_ORGANISATION.value: i18n.N_(
        "That would put two people from the same organisation in set {set}, so nothing has "
        "changed. Choose another set, or swap with someone else."
    ),
    matching.SetWarning.AVOIDED_PAIR.value: i18n.N_(
        "That would put two people in set {set} who must not be grouped (a private "
        "preference), so nothing has changed. Choose another set."
    ),
    matching.SetWarning.NO_SHARED_LANGUAGE.value: i18n.N_(
        "Set {set} would have no language everyone in it speaks, so nothing has changed. "
        "Choose another set."
    ),
    matching.SetWarning.TOO_LARGE.value: i18n.N_(
        "Set {set} would be larger than the largest size, {maximum}, so nothing has changed. "
        "Choose a set with room, or swap two people instead."
    ),
    matching.SetWarning.TOO_SMALL.value: i18n.N_(
        "Set {set} would fall below the smallest size, {minimum}, so nothing has changed. "
        "Swap two people instead."
    ),
}


def _check_change(
    session: Session,
    community: Community,
    cycle: SetCycle,
    rows: Sequence[LearningSet],
    before: Sequence[Sequence[Member]],
    after: Sequence[Sequence[Member]],
    on: date,
) -> None:
    """Refuse a hand edit that adds a hard-rule problem to a set it touches."""
    old, _q = _assess(session, community, cycle, before, on)
    new, _q = _assess(session, community, cycle, after, on)
    for row, was, now_is in zip(rows, old, new, strict=True):
        added = [w for w in _hard(now_is) if w not in _hard(was)]
        if added:
            raise UserError(_refusal(added[0], row.number, cycle))


def _where_in(
    rows: Sequence[LearningSet], members: dict[int, list[Member]], member: Member
) -> LearningSet | None:
    return next((r for r in rows if any(m.id == member.id for m in members.get(r.id, []))), None)


def move(
    session: Session, community: Community, member: Member, number: int, now: datetime
) -> CycleView:
    """Move someone in the preview (in a set, or waiting) to set `number`."""
    cycle = _require_preview(session, community)
    rows, members = _groups(session, cycle)
    target = next((r for r in rows if r.number == number), None)
    if target is None:
        raise UserError(
            t(
                "There's no set {set} in the preview. Choose one from 1 to {last}.",
                set=i18n.number(number),
                last=i18n.number(len(rows)),
            )
        )
    source = _where_in(rows, members, member)
    waiting = session.get(SetWaiting, (cycle.id, member.id))
    if source is None and waiting is None:
        raise UserError(
            t(
                "{name} isn't in this preview: only members who said they want a set are. "
                "`sets add` adds someone once the cycle is confirmed.",
                name=member.display_name,
            )
        )
    if source is not None and source.id == target.id:
        raise UserError(
            t("{name} is already in set {set}.", name=member.display_name, set=i18n.number(number))
        )
    touched = [target] if source is None else [source, target]
    before = [members.get(r.id, []) for r in touched]
    after = [[m for m in group if m.id != member.id] for group in before]
    after[-1] = [*after[-1], member]
    _check_change(session, community, cycle, touched, before, after, now.date())
    if source is not None:
        session.execute(
            update(SetMembership)
            .where(SetMembership.set_id == source.id, SetMembership.member_id == member.id)
            .values(set_id=target.id, turn=len(before[-1]))
        )
    else:
        session.delete(waiting)
        session.add(
            SetMembership(
                set_id=target.id, member_id=member.id, turn=len(before[-1]), joined_at=now
            )
        )
    session.flush()
    session.expire_all()
    return view(session, community, cycle, now.date())


def swap(
    session: Session, community: Community, first: Member, second: Member, now: datetime
) -> CycleView:
    """Swap two people in different sets of the preview."""
    cycle = _require_preview(session, community)
    rows, members = _groups(session, cycle)
    a, b = _where_in(rows, members, first), _where_in(rows, members, second)
    for who, where in ((first, a), (second, b)):
        if where is None:
            raise UserError(
                t(
                    "{name} isn't in a set in this preview. Mention two people in different "
                    "sets, like `sets swap @one @another`.",
                    name=who.display_name,
                )
            )
    if a is None or b is None:  # unreachable: both were checked above
        raise UserError(t("Mention two people in different sets."))
    if a.id == b.id:
        raise UserError(
            t(
                "They're both in set {set} already. Mention two people in different sets.",
                set=i18n.number(a.number),
            )
        )
    before = [members.get(a.id, []), members.get(b.id, [])]
    after = [
        [second if m.id == first.id else m for m in before[0]],
        [first if m.id == second.id else m for m in before[1]],
    ]
    _check_change(session, community, cycle, [a, b], before, after, now.date())
    for who, there in ((first, b), (second, a)):
        session.execute(
            update(SetMembership)
            .where(SetMembership.member_id == who.id, SetMembership.set_id.in_([a.id, b.id]))
            .values(set_id=there.id)
        )
    session.flush()
    session.expire_all()
    return view(session, community, cycle, now.date())


def discard_preview(session: Session, community: Community) -> bool:
    cycle = preview_cycle(session, community)
    if cycle is None:
        return False
    # Row by row, children first, so the session forgets each row it holds (ids may be
    # reused by the next preview on SQLite).
    set_ids = select(LearningSet.id).where(LearningSet.cycle_id == cycle.id)
    session.execute(delete(SetMembership).where(SetMembership.set_id.in_(set_ids)))
    session.execute(delete(SetWaiting).where(SetWaiting.cycle_id == cycle.id))
    session.execute(delete(LearningSet).where(LearningSet.cycle_id == cycle.id))
    session.execute(delete(SetCycle).where(SetCycle.id == cycle.id))
    session.expunge(cycle)
    session.flush()
    return True


# ---- confirming ----------------------------------------------------------------------------------


def facilitators(
    session: Session, community: Community, configured: Collection[str] = ()
) -> list[tuple[str, Member | None]]:
    """Who facilitates: members with the role, and those named in the configuration."""
    found: dict[str, Member | None] = {
        m.platform_user_id: m
        for m in session.scalars(
            select(Member).where(
                Member.community_id == community.id,
                Member.role == Role.FACILITATOR.value,
                Member.status == MemberStatus.ACTIVE.value,
            )
        )
    }
    for user in sorted(configured):
        if user not in found:
            found[user] = session.scalars(
                select(Member).where(
                    Member.community_id == community.id,
                    Member.platform_user_id == user,
                    Member.status == MemberStatus.ACTIVE.value,
                )
            ).first()
    return sorted(found.items())


@dataclass(frozen=True)
class Confirmed:
    cycle: SetCycle
    sets: int
    members: int
    waiting: int


def confirm(
    session: Session,
    community: Community,
    cycle_id: int,
    now: datetime,
    configured_facilitators: Collection[str] = (),
) -> Confirmed | None:
    """Make a preview the active cycle and queue each set's welcome. None when it was
    confirmed already (a second click does nothing more)."""
    cycle = session.get(SetCycle, cycle_id)
    if cycle is None or cycle.community_id != community.id:
        raise UserError(
            t("That preview has been replaced or discarded. Type `sets` to see where things are.")
        )
    if cycle.status != CycleStatus.PREVIEW.value:
        return None
    if active_cycle(session, community) is not None:
        raise UserError(t("Another cycle is already running. Close it first with `sets close`."))
    rows, members = _groups(session, cycle)
    advisers = (
        [m for _user, m in facilitators(session, community, configured_facilitators) if m]
        if cycle.advised
        else []
    )
    messages: list[outbox.Outgoing] = []
    placed = 0
    for k, row in enumerate(rows):
        group = list(members.get(row.id, []))
        # The presenter order: a seeded shuffle, so a re-run tells the same story.
        order = sorted(group, key=lambda m: m.id)
        random.Random(cycle.seed * 31 + row.number).shuffle(order)  # noqa: S311
        for turn, member in enumerate(order):
            session.execute(
                update(SetMembership)
                .where(SetMembership.set_id == row.id, SetMembership.member_id == member.id)
                .values(turn=turn, joined_at=now)
            )
        outside = [f for f in advisers if f.id not in {m.id for m in group}]
        adviser = outside[k % len(outside)] if outside else None
        row.adviser_member_id = adviser.id if adviser is not None else None
        row.space_kind = cycle.space_kind
        placed += len(order)

        def build(order: list[Member] = order, row: LearningSet = row) -> ui.Message:
            found = session.get(Member, row.adviser_member_id) if row.adviser_member_id else None
            return notices.welcome(row.id, order, cycle.meetings, cycle.rhythm_weeks, found)

        welcome = _to_set(
            session, cycle, row, order, f"sets:welcome:{row.id}", build, now, WELCOME_KIND
        )
        if welcome is not None:
            messages.append(welcome)
    waiting = [(m, reason) for m, reason in _waiting(session, cycle) if m.is_active]
    for member, _reason in waiting:
        with i18n.speaking(member.speaks):
            message = notices.on_waiting_list()
        messages.append(
            outbox.Outgoing(
                key=f"sets:waiting:{cycle.id}:m{member.id}",
                kind=PERSON_KIND,
                recipient=member.platform_user_id,
                message=message,
                due_at=now,
                member_id=member.id,
            )
        )
    cycle.status = CycleStatus.ACTIVE.value
    cycle.confirmed_at = now
    session.flush()
    outbox.enqueue(session, community.id, messages, now)
    return Confirmed(cycle, len(rows), placed, len(waiting))


# ---- during a cycle ------------------------------------------------------------------------------


def _require_active(session: Session, community: Community) -> SetCycle:
    cycle = active_cycle(session, community)
    if cycle is None:
        raise UserError(t("There's no cycle running. Type `sets form` to form the sets."))
    return cycle


def _fits(
    session: Session,
    community: Community,
    cycle: SetCycle,
    group: Sequence[Member],
    now: datetime,
) -> str | None:
    """The first hard rule `group` breaks (a warning code), or None."""
    formed, _quality = _assess(session, community, cycle, [group], now.date())
    problems = _hard(formed[0])
    return problems[0] if problems else None


def _refusal(code: str, number: int, cycle: SetCycle) -> str:
    return i18n.fill(
        i18n._(REFUSALS[code]),
        {
            "set": i18n.number(number),
            "maximum": i18n.number(cycle.max_size),
            "minimum": i18n.number(cycle.min_size),
        },
    )


@dataclass(frozen=True)
class Added:
    learning_set: LearningSet | None  # None: on the waiting list


def add_late(
    session: Session,
    community: Community,
    member: Member,
    number: int | None,
    now: datetime,
    command: str,
) -> Added:
    """A late joiner: into set `number` (it must have room and keep the rules), or with
    no number into the smallest set that fits, else onto the waiting list."""
    cycle = _require_active(session, community)
    if not member.is_active:
        raise UserError(t("{name} has left the community.", name=member.display_name))
    mine = current_set(session, member)
    if mine is not None:
        raise UserError(
            t(
                "{name} is already in set {set}.",
                name=member.display_name,
                set=i18n.number(mine.number),
            )
        )
    rows, members = _groups(session, cycle)
    chosen: LearningSet | None = None
    if number is not None:
        target = next((r for r in rows if r.number == number), None)
        if target is None:
            raise UserError(
                t(
                    "There's no set {set} in this cycle. Type `sets` to see them.",
                    set=i18n.number(number),
                )
            )
        problem = _fits(session, community, cycle, [*members.get(target.id, []), member], now)
        if problem is not None:
            raise UserError(_refusal(problem, number, cycle))
        chosen = target
    else:
        for row in sorted(rows, key=lambda r: (len(members.get(r.id, [])), r.number)):
            group = [*members.get(row.id, []), member]
            if _fits(session, community, cycle, group, now) is None:
                chosen = row
                break
    set_interest(session, member, True, now)
    if chosen is None:
        if session.get(SetWaiting, (cycle.id, member.id)) is None:
            session.add(
                SetWaiting(
                    cycle_id=cycle.id,
                    member_id=member.id,
                    reason=matching.Unplaced.NO_ROOM.value,
                    since=now,
                )
            )
        session.flush()
        return Added(None)
    session.execute(
        delete(SetWaiting).where(SetWaiting.cycle_id == cycle.id, SetWaiting.member_id == member.id)
    )
    group = members.get(chosen.id, [])
    session.add(
        SetMembership(set_id=chosen.id, member_id=member.id, turn=len(group), joined_at=now)
    )
    session.flush()
    # The newcomer takes their place in the rotation of the meetings still to come.
    meetings.replan_presenters(session, chosen, now)
    everyone = [*group, member]
    note = _to_set(
        session,
        cycle,
        chosen,
        everyone,
        f"sets:joined:{chosen.id}:m{member.id}:{now.isoformat()}",
        lambda: notices.member_joined(member),
        now,
    )
    with i18n.speaking(member.speaks):
        personal = notices.placed_late(chosen.number, command)
    outbox.enqueue(
        session,
        community.id,
        [
            *([note] if note is not None else []),
            outbox.Outgoing(
                key=f"sets:placed:{chosen.id}:m{member.id}",
                kind=PERSON_KIND,
                recipient=member.platform_user_id,
                message=personal,
                due_at=now,
                member_id=member.id,
            ),
        ],
        now,
    )
    return Added(chosen)


def _merge_suggestion(
    session: Session,
    community: Community,
    cycle: SetCycle,
    small: LearningSet,
    now: datetime,
) -> int | None:
    rows, members = _groups(session, cycle)
    mine = members.get(small.id, [])
    for row in sorted(rows, key=lambda r: (len(members.get(r.id, [])), r.number)):
        if row.id == small.id:
            continue
        if _fits(session, community, cycle, [*members.get(row.id, []), *mine], now) is None:
            return row.number
    return None


def tell_facilitators_if_small(
    session: Session,
    community: Community,
    learning_set: LearningSet,
    now: datetime,
    command: str = "/cop",  # untranslated: the default slash command
    configured_facilitators: Collection[str] = (),
) -> bool:
    """A set below the minimum: each facilitator hears, with a suggested merge."""
    cycle = session.get(SetCycle, learning_set.cycle_id)
    if cycle is None or cycle.status != CycleStatus.ACTIVE.value:
        return False
    size = len(set_members(session, learning_set))
    if size == 0 or size >= cycle.min_size:
        return False
    suggestion = _merge_suggestion(session, community, cycle, learning_set, now)
    messages = []
    for user, reader in facilitators(session, community, configured_facilitators):
        with i18n.speaking(reader.speaks if reader is not None else community.language):
            message = notices.below_minimum(
                learning_set.number, size, cycle.min_size, suggestion, command
            )
        messages.append(
            outbox.Outgoing(
                key=f"sets:small:{learning_set.id}:{size}:{user}",
                kind=FACILITATORS_KIND,
                recipient=user,
                message=message,
                due_at=now,
                member_id=reader.id if reader is not None else None,
            )
        )
    outbox.enqueue(session, community.id, messages, now)
    return bool(messages)


def leave_set(
    session: Session,
    member: Member,
    now: datetime,
    *,
    named: bool,
    command: str = "/cop",  # untranslated: the default slash command
    configured_facilitators: Collection[str] = (),
) -> LearningSet | None:
    """Take the member out of their set (the set is told there is a space, with their
    name only if they agreed). None if they were in no set."""
    learning_set = current_set(session, member)
    if learning_set is None:
        return None
    cycle = session.get_one(SetCycle, learning_set.cycle_id)
    community = session.get_one(Community, member.community_id)
    session.execute(
        delete(SetMembership).where(
            SetMembership.set_id == learning_set.id, SetMembership.member_id == member.id
        )
    )
    session.flush()
    remaining = set_members(session, learning_set)
    for turn, other in enumerate(remaining):  # the rotation closes the gap
        session.execute(
            update(SetMembership)
            .where(SetMembership.set_id == learning_set.id, SetMembership.member_id == other.id)
            .values(turn=turn)
        )
    name = member.display_name if named else None
    note = _to_set(
        session,
        cycle,
        learning_set,
        remaining,
        f"sets:left:{learning_set.id}:m{member.id}:{now.isoformat()}",
        lambda: notices.member_left(name),
        now,
    )
    if note is not None:
        if cycle.space_kind == SpaceKind.CHANNEL.value and learning_set.space_id:
            # They stop reading the set's private channel: taken out, then the set is told.
            out = recipients.remove(learning_set.space_id, [member.platform_user_id])
            note = replace(note, recipient=out)
        outbox.enqueue(session, community.id, [note], now)
    tell_facilitators_if_small(
        session, community, learning_set, now, command, configured_facilitators
    )
    return learning_set


@dataclass(frozen=True)
class Asked:
    changed: bool  # False: they had said so already
    in_set: LearningSet | None  # already in a set of the running cycle
    waiting_in: SetCycle | None  # a cycle is running: they wait for a place in it


def ask_for_a_set(session: Session, member: Member, now: datetime) -> Asked:
    """A member wants a set: in the next forming, or on the running cycle's waiting list."""
    changed = set_interest(session, member, True, now)
    mine = current_set(session, member)
    if mine is not None:
        return Asked(changed, mine, None)
    community = session.get_one(Community, member.community_id)
    cycle = active_cycle(session, community)
    if cycle is not None and session.get(SetWaiting, (cycle.id, member.id)) is None:
        session.add(
            SetWaiting(
                cycle_id=cycle.id,
                member_id=member.id,
                reason=matching.Unplaced.NO_ROOM.value,
                since=now,
            )
        )
        session.flush()
    return Asked(changed, None, cycle)


def withdraw(session: Session, member: Member, now: datetime) -> bool:
    """No longer wanting a set: the wish and any place on a waiting list go."""
    changed = set_interest(session, member, False, now)
    gone = session.execute(delete(SetWaiting).where(SetWaiting.member_id == member.id))
    session.flush()
    return changed or bool(getattr(gone, "rowcount", 0))


def member_leaving(session: Session, member: Member, now: datetime) -> None:
    """Before a member leaves the community or is erased: out of their set (the set hears,
    without a name), out of any preview; the rest cascades with the member row."""
    leave_set(session, member, now, named=False)
    session.execute(delete(SetWaiting).where(SetWaiting.member_id == member.id))
    session.execute(
        delete(SetMembership).where(
            SetMembership.member_id == member.id,
            SetMembership.set_id.in_(
                select(LearningSet.id)
                .join(SetCycle, SetCycle.id == LearningSet.cycle_id)
                .where(SetCycle.status == CycleStatus.PREVIEW.value)
            ),
        )
    )
    session.flush()


def merge(
    session: Session, community: Community, keep: int, dissolve: int, now: datetime
) -> LearningSet:
    """Set `dissolve`'s members join set `keep`; set `dissolve` ends."""
    cycle = _require_active(session, community)
    if keep == dissolve:
        raise UserError(t("Name two different sets, like `sets merge 3 4`."))
    rows, members = _groups(session, cycle)
    found = {r.number: r for r in rows}
    for number in (keep, dissolve):
        if number not in found:
            raise UserError(
                t(
                    "There's no set {set} in this cycle. Type `sets` to see them.",
                    set=i18n.number(number),
                )
            )
    kept, ended = found[keep], found[dissolve]
    group = [*members.get(kept.id, []), *members.get(ended.id, [])]
    problem = _fits(session, community, cycle, group, now)
    if problem is not None:
        raise UserError(_refusal(problem, keep, cycle))
    start = len(members.get(kept.id, []))
    for turn, member in enumerate(members.get(ended.id, []), start=start):
        session.execute(
            update(SetMembership)
            .where(SetMembership.set_id == ended.id, SetMembership.member_id == member.id)
            .values(set_id=kept.id, turn=turn)
        )
    ended.status = SetStatus.DISSOLVED.value
    session.execute(
        update(SetMeeting)
        .where(SetMeeting.set_id == ended.id, SetMeeting.status == MeetingStatus.SCHEDULED.value)
        .values(status=MeetingStatus.CANCELLED.value)
    )
    session.flush()
    meetings.replan_presenters(session, kept, now)  # the newcomers join the rotation
    note = _to_set(
        session,
        cycle,
        kept,
        group,
        f"sets:merged:{kept.id}:{ended.id}",
        lambda: notices.merged(group),
        now,
    )
    if note is not None:
        outbox.enqueue(session, community.id, [note], now)
    if ended.space_id and cycle.space_kind == SpaceKind.CHANNEL.value:
        # The dissolved set's channel: a last word pointing to the new space, then archived.
        ended_members = members.get(ended.id, [])
        with i18n.speaking(group_language(ended_members or group)):
            goodbye = notices.joined_another(kept.number)
        outbox.enqueue(
            session,
            community.id,
            [
                outbox.Outgoing(
                    key=f"sets:dissolved:{ended.id}",
                    kind=NOTE_KIND,
                    recipient=recipients.archive(ended.space_id),
                    message=goodbye,
                    due_at=now,
                )
            ],
            now,
        )
    return kept


def close_cycle(session: Session, community: Community, cycle_id: int, now: datetime) -> bool:
    """End an active cycle early: its sets close, planned meetings are cancelled, each set
    hears, and a private channel is archived (kept, not deleted). False if not active."""
    cycle = session.get(SetCycle, cycle_id)
    if (
        cycle is None
        or cycle.community_id != community.id
        or cycle.status != CycleStatus.ACTIVE.value
    ):
        return False
    rows, members = _groups(session, cycle)
    messages: list[outbox.Outgoing] = []
    for row in rows:
        group = members.get(row.id, [])
        if row.space_id is None and cycle.space_kind == SpaceKind.CHANNEL.value:
            # Its welcome hasn't gone yet, so its channel doesn't exist: don't make one now
            # only to close it. The welcome waiting in the outbox goes too.
            session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.key == f"sets:welcome:{row.id}",
                    OutboxMessage.status == OutboxStatus.PENDING.value,
                )
            )
            row.status = SetStatus.CLOSED.value
            continue
        note = _to_set(
            session, cycle, row, group, f"sets:closed:{row.id}", notices.closed_early, now
        )
        if note is None:
            continue
        if row.space_id and cycle.space_kind == SpaceKind.CHANNEL.value:
            note = outbox.Outgoing(
                key=note.key,
                kind=note.kind,
                recipient=recipients.archive(row.space_id),
                message=note.message,
                due_at=now,
            )
        messages.append(note)
        row.status = SetStatus.CLOSED.value
    session.execute(
        update(SetMeeting)
        .where(
            SetMeeting.set_id.in_([r.id for r in rows]),
            SetMeeting.status == MeetingStatus.SCHEDULED.value,
        )
        .values(status=MeetingStatus.CANCELLED.value)
    )
    cycle.status = CycleStatus.CLOSED.value
    cycle.closed_at = now
    session.flush()
    outbox.enqueue(session, community.id, messages, now)
    return True


# ---- the facilitators' overview ------------------------------------------------------------------


@dataclass(frozen=True)
class SetSummary:
    row: LearningSet
    members: list[Member]
    meetings_held: int
    next_meeting: datetime | None


def summaries(session: Session, cycle: SetCycle, now: datetime) -> list[SetSummary]:
    rows, members = _groups(session, cycle)
    ids = [r.id for r in rows]
    held: dict[int, int] = {}
    upcoming: dict[int, datetime] = {}
    if ids:
        held = {
            int(set_id): int(count)
            for set_id, count in session.execute(
                select(SetMeeting.set_id, func.count())
                .where(SetMeeting.set_id.in_(ids), SetMeeting.status == MeetingStatus.HELD.value)
                .group_by(SetMeeting.set_id)
            )
        }
        upcoming = {
            int(set_id): at
            for set_id, at in session.execute(
                select(SetMeeting.set_id, func.min(SetMeeting.starts_at))
                .where(
                    SetMeeting.set_id.in_(ids),
                    SetMeeting.status == MeetingStatus.SCHEDULED.value,
                    SetMeeting.starts_at >= now,
                )
                .group_by(SetMeeting.set_id)
            )
        }
    return [
        SetSummary(r, members.get(r.id, []), held.get(r.id, 0), upcoming.get(r.id)) for r in rows
    ]


def waiting_count(session: Session, cycle: SetCycle) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(SetWaiting).where(SetWaiting.cycle_id == cycle.id)
        )
        or 0
    )


# ---- where messages landed, and my-data ----------------------------------------------------------


def message_sent(session: Session, row: OutboxMessage, permalink: str | None) -> None:
    """A message to a set's space reached the platform: remember the space (the welcome
    creates it; a group DM changes when the set does)."""
    del permalink
    removal = recipients.parse(row.recipient)
    if isinstance(removal, recipients.Remove):
        # Done: the ids of the people taken out are not kept (one may have erased their data).
        row.recipient = recipients.remove(removal.conversation, [])
        session.flush()
        return
    if row.kind not in SPACE_KINDS or not row.sent_channel:
        return
    parts = row.key.split(":")
    set_id = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
    learning_set = session.get(LearningSet, set_id) if set_id is not None else None
    if learning_set is None:
        return
    target = recipients.parse(row.recipient)
    if isinstance(target, recipients.Archive):
        return
    learning_set.space_id = row.sent_channel
    learning_set.space_kind = (
        SpaceKind.CHANNEL.value
        if isinstance(target, recipients.PrivateSpace)
        else SpaceKind.GROUP_DM.value
    )
    session.flush()


def personal_data(session: Session, member: Member) -> dict[str, Any]:
    """For `my-data`: whether you want a set, your sets and places on waiting lists."""
    sets = session.execute(
        select(
            SetCycle.number,
            SetCycle.status,
            LearningSet.number,
            LearningSet.name,
            SetMembership.turn,
        )
        .join(LearningSet, LearningSet.cycle_id == SetCycle.id)
        .join(SetMembership, SetMembership.set_id == LearningSet.id)
        .where(SetMembership.member_id == member.id)
        .order_by(SetCycle.number, LearningSet.number)
    ).all()
    waiting = session.execute(
        select(SetCycle.number, SetWaiting.reason, SetWaiting.since)
        .join(SetWaiting, SetWaiting.cycle_id == SetCycle.id)
        .where(SetWaiting.member_id == member.id)
        .order_by(SetCycle.number)
    ).all()
    interest = session.get(SetInterest, member.id)
    return {
        "wants_a_set": interest is not None,
        "wants_a_set_since": interest.since.isoformat() if interest is not None else None,
        "sets": [
            {
                "cycle": cycle_number,
                "cycle_status": status,
                "set": set_number,
                "space_name": name,
                "presenting_turn": turn + 1,
            }
            for cycle_number, status, set_number, name, turn in sets
        ],
        "waiting_lists": [
            {"cycle": number, "reason": reason, "since": since.isoformat()}
            for number, reason, since in waiting
        ],
    }
