"""Peer coaching as a capability: rounds, their day-before notices and check-ins run by
the scheduler and planned from each community's cadence; a partner who is left alone hears
at once when someone leaves; pairings in `my-data`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.capability import Capability
from core.models import Member
from core.pairing import jobs, plan, report, service
from core.pairing.models import PairingItemKind


def _plan_upcoming(session: Session, now: datetime) -> None:
    plan.ensure_upcoming(session, now)


def _partner_gone(session: Session, member: Member, now: datetime) -> None:
    jobs.partner_gone(session, member, now)


CAPABILITY = Capability(
    name="pairing",
    item_runners={kind.value: jobs.execute for kind in PairingItemKind},
    plan_upcoming=_plan_upcoming,
    describe_item=report.describe_item,
    not_yet_planned=report.not_yet_planned,
    data_section="peer_coaching",
    personal_data=service.personal_data,
    member_leaving=_partner_gone,
)
