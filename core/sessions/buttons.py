"""Button ids on the messages sessions send unasked (reminders, prompts, nudges), shared
with the handlers that answer them: the scheduler may not import handlers (arrows point
down), so the ids live here, in the capability that sends them."""

from __future__ import annotations

RSVP_GOING = "session.rsvp.going"
RSVP_MAYBE = "session.rsvp.maybe"
RSVP_DECLINE = "session.rsvp.decline"
SESSION_CALENDAR = "session.calendar"
REFLECT = "reflection.open"
NUDGES_OFF = "notifications.off"
