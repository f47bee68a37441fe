"""Who is drifting as a capability: the automatic end of a member's pause (a scheduled
item written when they pause), what `my-data` shows (their pause and the check-ins sent to
them), and what leaving undoes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.capability import Capability
from core.care import service
from core.care.models import CareItemKind
from core.delivery.models import ScheduledItem
from core.models import Member


def _describe(session: Session, item: ScheduledItem) -> tuple[str, int]:
    del session, item
    return "a member's pause ends: welcome back", 1  # untranslated: `catalyst jobs`


def _member_leaving(session: Session, member: Member, now: datetime) -> None:
    service.member_leaving(session, member, now)


CAPABILITY = Capability(
    name="care",
    item_runners={CareItemKind.RESUME.value: service.run_resume},
    describe_item=_describe,
    data_section="care",
    personal_data=service.personal_data,
    member_leaving=_member_leaving,
)
