"""Running pairing items: a round, the day-before notice, the mid-round check-in.

Called by `core.delivery.occurrences.execute` inside its transaction (the item is taken and the
messages enqueued together); keys make a second run a no-op.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core import i18n, ui
from core.delivery import outbox as outbox
from core.delivery.models import ScheduledItem
from core.models import Community, Member, group_language
from core.pairing import matching as matching
from core.pairing import notices as pairing_notices
from core.pairing import plan as pairing_plan
from core.pairing import service as pairing
from core.pairing.models import Outcome, PairingGroup, PairingItemKind, PairingRound

log = logging.getLogger(__name__)

KINDS = frozenset(
    {PairingItemKind.ROUND.value, PairingItemKind.NOTICE.value, PairingItemKind.CHECKIN.value}
)


def execute(session: Session, item: ScheduledItem, now: datetime) -> str:
    community = session.get(Community, item.community_id)
    if community is None:
        return "community gone"
    if item.kind == PairingItemKind.ROUND.value:
        return _round(session, community, item, now)
    if item.kind == PairingItemKind.NOTICE.value:
        return _notice(session, community, item, now)
    return _checkin(session, community, item, now)


def _round(session: Session, community: Community, item: ScheduledItem, now: datetime) -> str:
    settings = pairing.settings_of(session, community)
    if settings is None or not settings.enabled:
        return "rounds are off"
    result = pairing.run_round(session, community, item.due_at, now, manual=False)
    if result.round is None:
        return f"no round: {result.plan.participants} taking part"  # untranslated: job status log
    item.recipients = result.plan.participants
    return (  # untranslated: the scheduler's status line for operators, not for members
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
        return "fewer than two taking part: no notice"  # untranslated: job status log
    messages = []
    for member in members:
        with i18n.speaking(member.speaks):
            note = pairing_notices.day_before(member, round_at)
        messages.append(
            outbox.Outgoing(
                key=f"{item.key}:m{member.id}",
                kind="pairing_notice",
                recipient=member.platform_user_id,
                message=note,
                due_at=item.due_at,
                expires_at=round_at,
                member_id=member.id,
            )
        )
    outbox.enqueue(session, community.id, messages, now)
    item.recipients = len(messages)
    return f"day-before notice for {len(messages)} people"  # untranslated: job status log


def _checkin(session: Session, community: Community, item: ScheduledItem, now: datetime) -> str:
    round_id = pairing_plan.round_id_of(item)
    pairing_round = pairing.round_by_id(session, round_id) if round_id else None
    if pairing_round is None:
        return "round gone"
    messages: list[outbox.Outgoing] = []
    alone: list[_Alone] = []
    expires = item.due_at + timedelta(seconds=item.grace_seconds)
    for group, members in pairing.unanswered_with_members(session, pairing_round.id):
        still_here = pairing.active(members)
        if len(still_here) < 2:
            # Someone left or was erased: this group won't meet. Whoever is left gets a new
            # partner now if anyone else is free, or waits for the next round.
            group.outcome, group.outcome_at = Outcome.COULDNT.value, now
            alone += [_Alone(group, m) for m in still_here]
            continue
        # One group DM, like the introduction: in the language the group shares, else the
        # first member's (`core.models.group_language`).
        with i18n.speaking(group_language(still_here)):
            checkin = pairing_notices.checkin(group.id, still_here)
        messages.append(
            outbox.Outgoing(
                key=f"pairing_checkin:{group.id}",
                kind="pairing_checkin",
                recipient=",".join(m.platform_user_id for m in still_here),
                message=checkin,
                due_at=item.due_at,
                expires_at=expires,
            )
        )
    messages += _repair(session, community, pairing_round, alone, now, final=True)
    outbox.enqueue(session, community.id, messages, now)
    item.recipients = len(messages)
    return f"check-in for {len(messages)} groups"  # untranslated: job status log


@dataclass(frozen=True)
class _Alone:
    """Someone whose partner left, and the group they were left alone in."""

    group: PairingGroup
    member: Member


_UNDER_WAY = (Outcome.OPEN.value, Outcome.BOOKED.value, Outcome.NOT_YET.value)


def partner_gone(session: Session, member: Member, now: datetime) -> int:
    """`member` is leaving or being erased (call before either happens). If that leaves
    their partner alone before the round's check-in, the partner hears now: paired at once
    with anyone else left alone in this round, or told they will be if someone comes free
    before the check-in, else in the next round. Returns messages queued.

    Leaving and erasure must happen whatever goes wrong here: the work runs in a savepoint,
    and a failure is logged and undone on its own."""
    try:
        with session.begin_nested():
            return _partner_gone(session, member, now)
    except Exception:
        log.exception("Could not look after the partner of a member who is leaving")
        return 0


def _partner_gone(session: Session, member: Member, now: datetime) -> int:
    found = pairing.current_group(session, member)
    if found is None:
        return 0
    pairing_round, group, others = found
    staying = pairing.active(others)
    if group.outcome not in _UNDER_WAY or len(staying) != 1:
        return 0  # the round is over for them, or a group of three goes on as a pair
    community = session.get(Community, pairing_round.community_id)
    settings = pairing.settings_of(session, community) if community is not None else None
    if community is None or settings is None or not settings.enabled:
        return 0  # rounds are off: nobody is re-paired or messaged
    if now >= pairing_plan.checkin_due(pairing_round.started_at, community.timezone):
        return 0  # after the check-in the round is as good as over (they may have met)
    alone = [_Alone(group, staying[0]), *_alone_in(session, pairing_round.id, member.id)]
    if len(alone) < 2:
        messages = [_alone_note(alone[0], pairing_notices.partner_waiting, now)]
    else:
        messages = _repair(session, community, pairing_round, alone, now, final=False)
    return outbox.enqueue(session, community.id, messages, now)


def _alone_in(session: Session, round_id: int, leaving: int) -> list[_Alone]:
    """People left alone earlier in this round (not re-paired since)."""
    alone: list[_Alone] = []
    for group, members in pairing.unanswered_with_members(session, round_id):
        if any(m.id == leaving for m in members):
            continue
        still_here = pairing.active(members)
        if len(still_here) == 1:
            alone.append(_Alone(group, still_here[0]))
    return alone


def _repair(
    session: Session,
    community: Community,
    pairing_round: PairingRound,
    alone: list[_Alone],
    now: datetime,
    *,
    final: bool,
) -> list[outbox.Outgoing]:
    """Pair people whose partner left among themselves. Anyone still alone is told: before
    the check-in (`final` False) that they may yet be paired, their group staying open so a
    later departure or the check-in finds them; at the check-in, that it's the next round."""
    if not alone:
        return []
    by_id = {a.member.id: a for a in alone}
    found = pairing.candidates(session, community, [a.member for a in alone], now)
    # The same rules as the round: the community's weights, and no repeat when avoidable.
    weights, history = pairing.weights_and_history(session, community, now)
    result = matching.match(found, history, weights, random.Random(pairing_round.id))  # noqa: S311
    grouped = [[by_id[i].member for i in group_ids] for group_ids in result.groups]
    for group_ids in result.groups:
        for i in group_ids:
            left = by_id[i].group  # re-paired: the group they were left alone in is over
            left.outcome, left.outcome_at = Outcome.COULDNT.value, now
    stored = pairing.add_groups(session, pairing_round, grouped, now, history)
    messages = [
        pairing.intro_message(group, members, now)
        for group, members in zip(stored, grouped, strict=True)
    ]
    for member_id, _ in result.unplaced:
        waiting = by_id[member_id]
        note = pairing_notices.partner_left if final else pairing_notices.partner_waiting
        messages.append(_alone_note(waiting, note, now))
    return messages


def _alone_note(
    alone: _Alone, note: Callable[[Member], ui.Message], now: datetime
) -> outbox.Outgoing:
    """To someone whose partner left, built in their language (the departure may happen in
    someone else's request). Keyed by the group they were left alone in: told when the
    partner leaves or at the check-in, they hear once; left alone again in a new group,
    they hear again."""
    with i18n.speaking(alone.member.speaks):
        message = note(alone.member)
    return outbox.Outgoing(
        key=f"pairing_partner_left:g{alone.group.id}:m{alone.member.id}",  # untranslated: key
        kind="pairing_partner_left",
        recipient=alone.member.platform_user_id,
        message=message,
        due_at=now,
        expires_at=now + pairing.INTRO_VALID_FOR,
        member_id=alone.member.id,
    )
