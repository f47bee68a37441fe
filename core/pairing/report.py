"""Peer coaching's scheduled items in words an operator reads (`catalyst jobs`), and the
next round of each community before the scheduler has written it as a row.

These lines are for the operator at the command line, not for members: they stay English
(`# untranslated` below)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.capability import PlannedItem
from core.delivery.models import ScheduledItem
from core.models import Community
from core.pairing import plan as pairing_plan
from core.pairing import service as pairing
from core.pairing.models import PairingItemKind, PairingSettings


def _round_job(session: Session, community: Community | None, at: datetime) -> tuple[str, int]:
    if community is None:
        # untranslated: operator's CLI (`catalyst jobs`)
        return "peer-coaching round", 0
    number = pairing.next_round_number(session, community)
    # untranslated: operator's CLI (`catalyst jobs`)
    return f"peer-coaching round {number}", len(pairing.participants(session, community, at))


def _pairing_job(
    session: Session, community: Community | None, item: ScheduledItem
) -> tuple[str, int]:
    """A peer-coaching round, its day-before notice, or a running round's check-in."""
    if item.kind == PairingItemKind.ROUND.value:
        return _round_job(session, community, item.due_at)
    if item.kind == PairingItemKind.NOTICE.value:
        zone = community.timezone if community else "UTC"
        what, people = _round_job(
            session, community, pairing_plan.days_before(item.due_at, -1, zone)
        )
        # untranslated: operator's CLI (`catalyst jobs`)
        return f"day-before notice for {what}", people
    round_id = pairing_plan.round_id_of(item)
    pairing_round = pairing.round_by_id(session, round_id) if round_id else None
    if pairing_round is None:
        # untranslated: operator's CLI (`catalyst jobs`)
        return "mid-round check-in for a peer-coaching round that is gone", 0
    groups = pairing.unanswered_with_members(session, pairing_round.id)
    people = sum(len(pairing.active(members)) for _, members in groups)
    # untranslated: operator's CLI (`catalyst jobs`)
    return f"mid-round check-in for peer-coaching round {pairing_round.number}", people


def _unplanned_rounds(
    session: Session, now: datetime
) -> list[tuple[Community, pairing_plan.NextRound]]:
    """Next rounds of communities with rounds on that the scheduler has yet to plan."""
    found = []
    for community in session.scalars(
        select(Community)
        .join(PairingSettings, PairingSettings.community_id == Community.id)
        .where(PairingSettings.enabled.is_(True))
        .order_by(Community.id)
    ):
        upcoming_round = pairing_plan.next_round(session, community, now)
        if upcoming_round is not None and not upcoming_round.planned:
            found.append((community, upcoming_round))
    return found


def describe_item(session: Session, item: ScheduledItem) -> tuple[str, int]:
    return _pairing_job(session, session.get(Community, item.community_id), item)


def not_yet_planned(session: Session, now: datetime) -> list[PlannedItem]:
    """Each community's next round that the scheduler has yet to plan."""
    found = []
    for community, upcoming_round in _unplanned_rounds(session, now):
        what, people = _round_job(session, community, upcoming_round.at)
        found.append(
            PlannedItem(
                due_at=upcoming_round.at,
                zone=community.timezone,
                # untranslated: operator's CLI (`catalyst jobs`)
                what=f"{what} (the scheduler plans it at its next check)",
                people=people,
            )
        )
    return found
