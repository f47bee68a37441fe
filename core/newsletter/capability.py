"""The newsletter as a capability: the draft on the community's day and scheduled sends
run by the scheduler, planned from each community's newsletter day; how a member gets it
in `my-data`. Quotes refer to reflections by id and cascade, and every newsletter is
rendered from live rows, so an erased member's words and name are gone from drafts, future
sends and `/cop newsletter`; `member_leaving` renders again the messages the outbox keeps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.capability import Capability
from core.delivery.models import ScheduledItem
from core.models import Member
from core.newsletter import jobs, service
from core.newsletter.models import NewsletterItemKind


def _plan_upcoming(session: Session, now: datetime) -> None:
    service.plan_upcoming(session, now)


def _describe(session: Session, item: ScheduledItem) -> tuple[str, int]:
    del session
    if item.kind == NewsletterItemKind.DRAFT.value:
        return "newsletter draft for the facilitators", 0  # untranslated: `catalyst jobs`
    return "newsletter send", 0  # untranslated: `catalyst jobs`


def _member_leaving(session: Session, member: Member, now: datetime) -> None:
    service.member_leaving(session, member, now)


CAPABILITY = Capability(
    name="newsletter",
    item_runners={
        NewsletterItemKind.DRAFT.value: jobs.draft,
        NewsletterItemKind.SEND.value: jobs.send,
    },
    plan_upcoming=_plan_upcoming,
    describe_item=_describe,
    data_section="newsletter",
    personal_data=service.personal_data,
    member_leaving=_member_leaving,
)
