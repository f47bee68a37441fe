"""Peer coaching: your pairing, its buttons, and the facilitators' settings."""

from __future__ import annotations

from handlers.pairing import commands
from handlers.registry import Registry


def register(registry: Registry) -> None:
    """Everything this capability adds: commands, buttons, forms and Home sections."""
    commands.register(registry)
