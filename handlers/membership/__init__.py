"""Membership: join, profile, leave, my-data, forget-me, roles, and who is in."""

from __future__ import annotations

from handlers.membership import commands, members
from handlers.registry import Registry


def register(registry: Registry) -> None:
    """Everything this capability adds: commands, buttons, forms and Home sections."""
    commands.register(registry)
    members.register(registry)
