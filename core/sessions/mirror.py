"""Each session on the platform's own calendar as well (a Discord server's events): the
runner of the item `core.sessions.plan` adds for every version of a session.

The entry is read by everyone in the server, so it is in the community's language. It only
shows the session: who is coming is still answered with Catalyst's buttons, and its notes
say so. The event's id is kept on the session, so an edit moves that event and a
cancellation cancels it. No database transaction is open while the platform is called.
A refusal that waiting won't fix (a missing permission) is recorded on the item and
logged, and the session goes on without its event; anything else is raised, so the item
stays pending and the scheduler tries it again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core import i18n
from core.delivery.calendar import CalendarEntry, CalendarMirror
from core.delivery.models import ItemStatus, ScheduledItem
from core.delivery.occurrences import finish
from core.delivery.outbox import PermanentFailure, RateLimited, TransientFailure
from core.i18n import _
from core.models import Community
from core.sessions import calendar as ics
from core.sessions.models import CommunitySession

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(minutes=2)  # the platform down or failing: try again after this


def entry(cs: CommunitySession) -> CalendarEntry:
    """The session as the platform's event shows it, in the language being spoken."""
    answer = _(
        "Say whether you're coming with Catalyst's Going, Maybe and Can't make it buttons "
        "(the sessions command shows them): the facilitators don't see who marks "
        "“Interested” here."
    )
    return CalendarEntry(
        title=cs.title,
        starts_at=cs.starts_at,
        ends_at=cs.ends_at,
        location=cs.location,
        description="\n\n".join(part for part in (ics.notes(cs), answer) if part),
        cancelled=not cs.is_scheduled,
    )


def mirror(
    session: Session, item: ScheduledItem, now: datetime, calendar: CalendarMirror | None
) -> str:
    """Make, move or cancel the session's event, and keep its id.

    The platform's calls take seconds, or longer when they wait out a rate limit, so no
    transaction stays open across them: what to show is read and that transaction ends
    (releasing this item's lock and, on SQLite, the database's write lock), the calendar is
    called, then a fresh transaction records the id. It takes the session's row before the
    item's, the order an edit takes them in, so the two never wait on each other."""
    cs = session.get(CommunitySession, item.session_id) if item.session_id else None
    if cs is None:
        return finish(item, ItemStatus.CANCELLED, now, "session deleted")  # untranslated: a record
    if calendar is None:
        return "no calendar on this platform"  # untranslated: the item's record
    community = session.get(Community, cs.community_id)
    with i18n.speaking(community.language if community else None):
        shown = entry(cs)
    known, session_id, item_id = cs.platform_event_id, cs.id, item.id
    session.commit()
    try:
        event_id = calendar.publish(shown, known, now)
    except (TransientFailure, RateLimited) as later:
        # Not every sync (15 s) while the platform is down or busy: the item waits a while,
        # then the scheduler tries again (the error still reaches it, to log).
        wait = later.retry_after if isinstance(later, RateLimited) else RETRY_AFTER.seconds
        current = _still(session, session_id, item_id)[1]
        if current is not None and current.status == ItemStatus.PENDING.value:
            current.due_at = max(current.due_at, now + timedelta(seconds=max(wait, 15)))
            session.commit()
        raise
    except PermanentFailure as refused:
        log.warning("session %s is not on the platform's calendar: %s", session_id, refused)
        current = _still(session, session_id, item_id)[1]
        if current is None or current.status != ItemStatus.PENDING.value:
            return f"calendar refused: {refused}"  # untranslated: a record
        # untranslated: the item's record
        return finish(current, ItemStatus.FAILED, now, f"calendar refused: {refused}")
    cs_now, _item = _still(session, session_id, item_id)
    # A newer version of the session may have run meanwhile and kept its own id: keep that.
    if cs_now is not None and cs_now.platform_event_id in (None, known):
        cs_now.platform_event_id = event_id
    if event_id is None:
        return "no calendar event (cancelled, or too late to make one)"  # untranslated: a record
    return f"calendar event {event_id}"  # untranslated: the item's record


def _still(
    session: Session, session_id: int, item_id: int
) -> tuple[CommunitySession | None, ScheduledItem | None]:
    """The session and the item again, locked in that order, as they are now."""
    cs = session.get(CommunitySession, session_id, with_for_update=True, populate_existing=True)
    item = session.get(ScheduledItem, item_id, with_for_update=True, populate_existing=True)
    return cs, item
