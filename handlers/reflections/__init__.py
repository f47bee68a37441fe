"""Reflections: the reflect form, your reflections, prompts, nudges and the export."""

from __future__ import annotations

from handlers.reflections import commands
from handlers.registry import Registry


def register(registry: Registry) -> None:
    """Everything this capability adds: commands, buttons, forms and Home sections."""
    commands.register(registry)
