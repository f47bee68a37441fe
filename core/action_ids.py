"""Button and form ids shared by messages the scheduler sends and the handlers that answer.

The scheduler may not import handlers (arrows point down), so the ids live here.
"""

from __future__ import annotations

RSVP_GOING = "session.rsvp.going"
RSVP_MAYBE = "session.rsvp.maybe"
RSVP_DECLINE = "session.rsvp.decline"
SESSION_CALENDAR = "session.calendar"
REFLECT = "reflection.open"
NUDGES_OFF = "notifications.off"
