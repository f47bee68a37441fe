"""Button ids on the messages sessions send unasked (reminders, prompts, nudges), shared
with the handlers that answer them: the scheduler may not import handlers (arrows point
down), so the ids live here, in the capability that sends them."""

from __future__ import annotations

RSVP_GOING = "session.rsvp.going"  # untranslated: an action id
RSVP_MAYBE = "session.rsvp.maybe"  # untranslated: an action id
RSVP_DECLINE = "session.rsvp.decline"  # untranslated: an action id
SESSION_CALENDAR = "session.calendar"  # untranslated: an action id
REFLECT = "reflection.open"  # untranslated: an action id
NUDGES_OFF = "notifications.off"  # untranslated: an action id
ATTENDED_YES = "session.attended.yes"  # untranslated: an action id
ATTENDED_NO = "session.attended.no"  # untranslated: an action id
ATTENDANCE_OPEN = "session.attendance.open"  # untranslated: an action id
