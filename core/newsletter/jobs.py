"""The newsletter's scheduled items: drafting on the community's day, sending when
scheduled. Called by `core.delivery.occurrences.execute` inside its transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.delivery.models import ItemStatus, ScheduledItem
from core.delivery.occurrences import community_of, finish
from core.newsletter import service
from core.newsletter.models import NewsletterStatus


def draft(session: Session, item: ScheduledItem, now: datetime) -> str:
    """Make (or refresh) the draft and put it in the facilitators' DMs."""
    community = community_of(session, item)
    if community is None:
        return finish(item, ItemStatus.CANCELLED, now, "community gone")
    newsletter, _new = service.make_draft(session, community, now)
    sent = service.send_draft_to_facilitators(session, community, newsletter, f"i{item.id}", now)
    item.recipients = sent
    # untranslated: the item's record
    return f"newsletter {newsletter.number} drafted for {sent} facilitators"


def send(session: Session, item: ScheduledItem, now: datetime) -> str:
    community = community_of(session, item)
    newsletter_id = service.newsletter_id_of(item)
    newsletter = (
        service.by_id(session, community, newsletter_id)
        if community is not None and newsletter_id is not None
        else None
    )
    if community is None or newsletter is None:
        return finish(item, ItemStatus.CANCELLED, now, "newsletter gone")
    if newsletter.status != NewsletterStatus.SCHEDULED.value:
        return finish(item, ItemStatus.CANCELLED, now, f"newsletter {newsletter.status}")
    sent = service.send(session, community, newsletter, None, now)
    if sent is None:
        return finish(item, ItemStatus.CANCELLED, now, "already sent")
    item.recipients = sent.people + (1 if sent.channel else 0)
    return f"newsletter {newsletter.number} sent to {sent.people} people"  # untranslated: record
