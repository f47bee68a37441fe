"""The programme evaluation report: `/cop report [from] [to]` (facilitators)."""

from __future__ import annotations

from handlers.evaluation import commands
from handlers.registry import Registry


def register(registry: Registry) -> None:
    """Everything this capability adds: one command."""
    commands.register(registry)
