"""Action ids of the buttons care messages carry (handlers/care answers them)."""

from __future__ import annotations

CHECKIN = "care.checkin"  # untranslated: an action id (opens the check-in form)
SNOOZE = "care.snooze"  # untranslated: an action id
PAUSE = "care.pause"  # untranslated: an action id prefix (value "<checkin id>:<months>")


def pause_for(months: int) -> str:
    """One action id per pause length: Slack refuses a block whose buttons share one."""
    return f"{PAUSE}.{months}"


ESSENTIALS = "care.essentials"  # untranslated: an action id
FINE = "care.fine"  # untranslated: an action id
LIST = "care.list"  # untranslated: an action id
RESUME = "care.resume"  # untranslated: an action id
