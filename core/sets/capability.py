"""Action learning sets as a capability: forming and membership (`service`), a set's life
once it exists (`meetings`, with its scheduled items in `plan`/`jobs`); `my-data` shows both
parts; a member who leaves (or is erased) hands their presenting turns on, comes out of
their set, and the set hears there is a space; the welcome's delivery records the space."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.capability import Capability
from core.models import Member
from core.sets import jobs, meetings, meetings_report, models, plan, service
from core.sets.models import SetsItemKind

# Importing the models is what puts the sets' tables in the one schema (core/schema.py).
MODELS = models


def _plan_upcoming(session: Session, now: datetime) -> None:
    plan.ensure_upcoming(session, now)


def _personal_data(session: Session, member: Member) -> dict[str, Any]:
    return {**service.personal_data(session, member), **meetings.personal_data(session, member)}


def _member_leaving(session: Session, member: Member, now: datetime) -> None:
    # Turns first: the meetings part needs the membership row the forming part removes.
    meetings.member_leaving(session, member, now)
    service.member_leaving(session, member, now)


CAPABILITY = Capability(
    name="sets",
    item_runners={kind.value: jobs.execute for kind in SetsItemKind},
    plan_upcoming=_plan_upcoming,
    describe_item=meetings_report.describe_item,
    not_yet_planned=meetings_report.not_yet_planned,
    data_section="action_learning_sets",
    personal_data=_personal_data,
    member_leaving=_member_leaving,
    message_sent=service.message_sent,
)
