"""Everything people can say and click, assembled in one place."""

from __future__ import annotations

from handlers import (
    guide,
    home,
    members,
    membership,
    pairing,
    reflections,
    resources,
    sessions,
)
from handlers.registry import Registry


def build_registry() -> Registry:
    registry = Registry()
    modules = (guide, membership, members, sessions, reflections, resources, pairing, home)
    for module in modules:
        module.register(registry)
    return registry
