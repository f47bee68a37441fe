"""Running pairing items: a round, the day-before notice, the mid-round check-in.

Called by `core.occurrences.execute` inside its transaction (the item is taken and the
messages enqueued together); keys make a second run a no-op.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core import matching, outbox, pairing, pairing_notices, pairing_plan, ui
from core.models import Community, Member
from core.models_delivery import ItemKind, ScheduledItem
from core.models_pairing import Outcome, PairingGroup

KINDS = frozenset(
    {ItemKind.PAIRING_ROUND.value, ItemKind.PAIRING_NOTICE.value, ItemKind.PAIRING_CHECKIN.value}
)


def execute(session: Session, item: ScheduledItem, now: datetime) -> str:
    community = session.get(Community, item.community_id)
    if community is None:
        return "community gone"
    if item.kind == ItemKind.PAIRING_ROUND.value:
        return _round(session, community, item, now)
    if item.kind == ItemKind.PAIRING_NOTICE.value:
        return _notice(session, community, item, now)
    return _checkin(session, community, item, now)


def _round(session: Session, community: Community, item: ScheduledItem, now: datetime) -> str:
    settings = pairing.settings_of(session, community)
    if settings is None or not settings.enabled:
        return "rounds are off"
    result = pairing.run_round(session, community, item.due_at, now, manual=False)
    if result.round is None:
        return f"no round: {result.plan.participants} taking part"
    item.recipients = result.plan.participants
    return (
        f"round {result.round.number}: {len(result.plan.result.groups)} groups, "
        f"{result.plan.result.trios} of three, {len(result.plan.result.unplaced)} unplaced"
    )


def _round_at(item: ScheduledItem, community: Community) -> datetime:
    """The round a notice is about: the same wall-clock time the next day."""
    return pairing_plan.days_before(item.due_at, -1, community.timezone)


def _notice(session: Session, community: Community, item: ScheduledItem, now: datetime) -> str:
    round_at = _round_at(item, community)
    members = pairing.participants(session, community, round_at)
    if len(members) < 2:
        return "fewer than two taking part: no notice"
    messages = [
        outbox.Outgoing(
            key=f"{item.key}:m{member.id}",
            kind="pairing_notice",
            recipient=member.platform_user_id,
            message=pairing_notices.day_before(member, round_at),
            due_at=item.due_at,
            expires_at=round_at,
            member_id=member.id,
        )
        for member in members
    ]
    outbox.enqueue(session, community.id, messages, now)
    item.recipients = len(messages)
    return f"day-before notice for {len(messages)} people"


def _checkin(session: Session, community: Community, item: ScheduledItem, now: datetime) -> str:
    round_id = pairing_plan.round_id_of(item)
    pairing_round = pairing.round_by_id(session, round_id) if round_id else None
    if pairing_round is None:
        return "round gone"
    messages: list[outbox.Outgoing] = []
    lone: list[Member] = []
    expires = item.due_at + timedelta(seconds=item.grace_seconds)
    for group, members in pairing.unanswered_with_members(session, pairing_round.id):
        still_here = pairing.active(members)
        if len(still_here) < 2:
            # Someone left or was erased mid-round: their partner gets a new one if we can.
            group.outcome, group.outcome_at = Outcome.COULDNT.value, now
            lone += still_here
            continue
        messages.append(
            outbox.Outgoing(
                key=f"pairing_checkin:{group.id}",
                kind="pairing_checkin",
                recipient=",".join(m.platform_user_id for m in still_here),
                message=pairing_notices.checkin(group.id, still_here),
                due_at=item.due_at,
                expires_at=expires,
            )
        )
    messages += _repair(session, community, pairing_round.id, lone, now)
    outbox.enqueue(session, community.id, messages, now)
    item.recipients = len(messages)
    return f"check-in for {len(messages)} groups"


def partner_gone(session: Session, member: Member, now: datetime) -> int:
    """`member` is leaving or being erased (call before either happens). If that leaves
    their partner alone in a round still under way, the partner hears now: paired at once
    with anyone else left alone in this round, or told they'll be paired at the check-in if
    someone else comes free, else in the next round. Returns messages queued."""
    found = pairing.current_group(session, member)
    if found is None:
        return 0
    pairing_round, group, others = found
    staying = pairing.active(others)
    if group.outcome not in _UNDER_WAY or len(staying) != 1:
        return 0  # the round is over for them, or a group of three goes on as a pair
    community = session.get(Community, pairing_round.community_id)
    if community is None:
        return 0
    lone = [*staying, *_alone_in(session, pairing_round.id, leaving=member.id)]
    if len(lone) < 2:
        [partner] = staying
        note = pairing_notices.partner_waiting(partner)
        messages = [_alone_note(pairing_round.id, partner, note, now)]
    else:
        for left_alone in _groups_of(session, pairing_round.id, lone):
            left_alone.outcome, left_alone.outcome_at = Outcome.COULDNT.value, now
        messages = _repair(session, community, pairing_round.id, lone, now)
    return outbox.enqueue(session, community.id, messages, now)


_UNDER_WAY = (Outcome.OPEN.value, Outcome.BOOKED.value, Outcome.NOT_YET.value)


def _alone_in(session: Session, round_id: int, leaving: int) -> list[Member]:
    """People whose partner already left this round and who haven't been re-paired."""
    alone: list[Member] = []
    for _group, members in pairing.unanswered_with_members(session, round_id):
        if any(m.id == leaving for m in members):
            continue
        still_here = pairing.active(members)
        if len(still_here) == 1:
            alone += still_here
    return alone


def _groups_of(session: Session, round_id: int, members: list[Member]) -> list[PairingGroup]:
    ids = {m.id for m in members}
    return [
        group
        for group, members in pairing.unanswered_with_members(session, round_id)
        if any(m.id in ids for m in members)
    ]


def _repair(
    session: Session, community: Community, round_id: int, lone: list[Member], now: datetime
) -> list[outbox.Outgoing]:
    """Pair people whose partner left among themselves; tell anyone still alone."""
    messages: list[outbox.Outgoing] = []
    if not lone:
        return messages
    by_id = {m.id: m for m in lone}
    found = pairing.candidates(session, community, lone, now)
    result = matching.match(found, rng=random.Random(round_id))  # noqa: S311
    pairing_round = pairing.round_by_id(session, round_id)
    if pairing_round is None:
        return messages
    grouped = [[by_id[i] for i in group_ids] for group_ids in result.groups]
    stored = pairing.add_groups(session, pairing_round, grouped, now)
    messages += [
        pairing.intro_message(group, members, now)
        for group, members in zip(stored, grouped, strict=True)
    ]
    for member_id, _ in result.unplaced:
        member = by_id[member_id]
        messages.append(_alone_note(round_id, member, pairing_notices.partner_left(member), now))
    return messages


def _alone_note(round_id: int, member: Member, note: ui.Message, now: datetime) -> outbox.Outgoing:
    """To someone whose partner left. One key per round and person: whether it is sent when
    the partner leaves or at the check-in, they hear once."""
    return outbox.Outgoing(
        key=f"pairing_partner_left:{round_id}:m{member.id}",
        kind="pairing_partner_left",
        recipient=member.platform_user_id,
        message=note,
        due_at=now,
        expires_at=now + pairing.INTRO_VALID_FOR,
        member_id=member.id,
    )
