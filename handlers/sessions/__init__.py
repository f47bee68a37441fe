"""Sessions: adding, editing and cancelling them, answering, and who is coming."""

from __future__ import annotations

from handlers.registry import Registry
from handlers.sessions import attendance, commands


def register(registry: Registry) -> None:
    """Everything this capability adds: commands, buttons, forms and Home sections."""
    commands.register(registry)
    attendance.register(registry)
