"""Action learning sets: asking for a set and leaving it, and the facilitators' forming,
preview, changes and closing. The meetings part (times, reminders, actions) registers
beside it."""

from __future__ import annotations

from handlers.registry import Registry
from handlers.sets import forming, meetings


def register(registry: Registry) -> None:
    """Everything this capability adds: commands, buttons, forms and Home sections."""
    words = forming.Words()
    # The meetings part first: it adds its buttons (including `sets.pick_time`, which the
    # welcome carries), forms and Home section, and its words after `set` (`meeting`,
    # `swap`, and `set` alone) to `words`, which the forming part's commands then route.
    meetings.register_meetings(registry, words)
    forming.register(registry, words)
