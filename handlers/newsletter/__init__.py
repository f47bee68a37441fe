"""The newsletter: `/cop newsletter`, the facilitators' draft, its buttons and forms."""

from __future__ import annotations

from handlers.newsletter import commands
from handlers.registry import Registry


def register(registry: Registry) -> None:
    """Everything this capability adds: commands, buttons, forms and a Home section."""
    commands.register(registry)
