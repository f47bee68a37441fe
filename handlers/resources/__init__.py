"""The library: search, share, review and curate resources."""

from __future__ import annotations

from handlers.registry import Registry
from handlers.resources import commands


def register(registry: Registry) -> None:
    """Everything this capability adds: commands, buttons, forms and Home sections."""
    commands.register(registry)
