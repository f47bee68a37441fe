"""Button ids on the draft the facilitators get unasked, shared with the handlers that
answer them (the scheduler may not import handlers, so the ids live here)."""

from __future__ import annotations

EDIT = "newsletter.edit"  # untranslated: an action id
SEND = "newsletter.send"  # untranslated: an action id
SCHEDULE = "newsletter.schedule"  # untranslated: an action id
SKIP = "newsletter.skip"  # untranslated: an action id
