"""Action learning sets: asking for a set and leaving it, and the facilitators' forming,
preview, changes and closing. The meetings part (times, reminders, actions) registers
beside it."""

from __future__ import annotations

from handlers.registry import Registry
from handlers.sets import forming


def register(registry: Registry) -> None:
    """Everything this capability adds: commands, buttons, forms and Home sections."""
    words = forming.Words()
    # MEETINGS: the meetings part registers here, before the commands are built, so its
    # words after `set` / `sets` reach it:
    #     from handlers.sets.meetings import register_meetings
    #     register_meetings(registry, words)
    # It adds its buttons (including `sets.pick_time`, which the welcome carries) and forms
    # to the registry, `words.member["meeting"] = ...` and `words.facilitator["stats"] =
    # ...`, and `words.show_set` for `set` alone.
    forming.register(registry, words)
