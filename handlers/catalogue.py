"""Everything people can say and click, assembled in one place."""

from __future__ import annotations

from handlers import guide, home, members, membership, reflections, sessions
from handlers.registry import Registry


def build_registry() -> Registry:
    registry = Registry()
    for module in (guide, membership, members, sessions, reflections, home):
        module.register(registry)
    return registry
